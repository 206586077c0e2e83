"""axe-core inside the browser tests: scan a page or a frame, fail on serious problems.

Usage::

    from tests.e2e.a11y import assert_accessible

    await assert_accessible(page, "console-empty-ja")
    await assert_accessible(frame, "guest-form-en", include=["chats-widget"])

The scan runs the WCAG 2.1 A/AA rules and axe's best practices. A violation whose impact is
critical or serious fails the test with a readable report (rule, impact, help, the elements
and axe's summary of what to fix); `required` names rules that must pass whatever their impact
(a heading, the landmarks). axe-core comes from the front end's devDependencies
(frontend/node_modules/axe-core, see docs/decisions/0004-axe-core.md); the pages' strict CSP
refuses inline scripts, so its source is evaluated through Playwright (DevTools protocol),
which the CSP does not govern, rather than added as a <script> element.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Frame, Page

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = frozenset({"critical", "serious"})

# Runs in the page: returns the violations, trimmed to what the report needs.
RUN = """async ([include, tags]) => {
  const context = include.length ? { include: include.map((s) => [s]) } : document;
  const result = await window.axe.run(context, {
    runOnly: { type: 'tag', values: tags },
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({
      target: n.target.join(' '), summary: n.failureSummary || '', html: n.html.slice(0, 160),
    })),
    count: v.nodes.length,
  }));
}"""


@cache
def axe_source() -> str:
    """The source of axe.min.js (skipped locally, failed in CI, when not installed)."""
    if not AXE.exists():
        reason = f"{AXE} is missing (cd frontend && npm install)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


async def scan(target: Page | Frame, include: list[str] | None = None) -> list[dict[str, Any]]:
    """Every axe violation of the page or frame (or of the elements `include` selects)."""
    if not await target.evaluate("typeof window.axe === 'object'"):
        await target.evaluate(axe_source())
    found: list[dict[str, Any]] = await target.evaluate(RUN, [include or [], TAGS])
    return found


def report(name: str, violations: list[dict[str, Any]]) -> str:
    """A readable account of the violations, one rule after another."""
    lines = [f"axe-core: {len(violations)} violation(s) in {name}"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['count']} element(s))")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            summary = " ".join(node["summary"].split())
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


async def assert_accessible(target: Page | Frame, name: str, *, include: list[str] | None = None,
                            required: tuple[str, ...] = ()) -> None:
    """Fail when axe finds a critical or serious violation, or one of the `required` rules."""
    violations = await scan(target, include)
    failing = [v for v in violations if v["impact"] in FAILING or v["id"] in required]
    assert not failing, report(name, failing)
