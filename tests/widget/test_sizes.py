"""The widget's weight budgets: the loader on every store page, the panel only when opened."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "chats" / "static"
LOADER_BUDGET = 3 * 1024
PANEL_BUDGET = 32 * 1024
ASSET_REF = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="/static/([^"]+)"')


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


@pytest.fixture
def built() -> Path:
    if not (STATIC / "widget.js").is_file() or not (STATIC / "guest" / "index.html").is_file():
        reason = "front end not built (cd frontend && npm run build)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return STATIC


def panel_files(static: Path) -> list[Path]:
    """Every JS and CSS file the panel's page loads (its own, shared chunks, vendor)."""
    html = (static / "guest" / "index.html").read_text("utf-8")
    refs = sorted(set(ASSET_REF.findall(html)))
    files = [static / ref for ref in refs if ref.endswith((".js", ".css"))]
    assert files, "the panel page references no assets"
    return files


def test_loader_is_within_3_kb_gzip(built: Path) -> None:
    size = gzip_size(built / "widget.js")
    assert size <= LOADER_BUDGET, f"widget.js is {size} B gzip"


def test_panel_js_and_css_are_within_30_kb_gzip(built: Path) -> None:
    files = panel_files(built)
    sizes = {f.name: gzip_size(f) for f in files}
    assert any(name.endswith(".css") for name in sizes)
    assert sum(sizes.values()) <= PANEL_BUDGET, sizes


def test_loader_does_not_pull_in_the_panel(built: Path) -> None:
    """The panel's code is fetched by the iframe on open, never by widget.js itself."""
    loader = (built / "widget.js").read_text("utf-8")
    assert "/static/assets/" not in loader
    assert "import(" not in loader
    assert "/widget/panel" in loader
