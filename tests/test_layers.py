"""The import contracts of pyproject.toml (run by `make lint`) hold, and break on a wrong import.

Each case copies the package, adds one import that docs/architecture.md forbids, and runs
import-linter on the copy with the project's own configuration.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "chats imports downward only"
PURE = "domain imports the standard library only"
ACYCLIC = "no import cycle between the modules of one package"


def copy_package(tmp_path: Path) -> Path:
    """A copy of src/chats (without the built front end); returns the folder holding it."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "chats", src / "chats",
                    ignore=shutil.ignore_patterns("static", "__pycache__"))
    return src


def lint(src: Path) -> tuple[int, dict[str, str]]:
    """Run import-linter on the package under `src`: exit code, and each contract's verdict."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=src.parent, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    verdicts = dict(re.findall(r"^(.+) (KEPT|BROKEN)$", done.stdout, re.MULTILINE))
    return done.returncode, verdicts


def test_the_package_keeps_every_contract(tmp_path: Path) -> None:
    code, verdicts = lint(copy_package(tmp_path))
    assert verdicts == {LAYERS: "KEPT", PURE: "KEPT", ACYCLIC: "KEPT"}
    assert code == 0


# An import up the layers also closes a cycle between two packages: both contracts break.
@pytest.mark.parametrize(("path", "line", "broken"), [
    # A service reaching up into the HTTP layer.
    ("services/guests.py", "from chats.api import deps", {LAYERS, ACYCLIC}),
    # A socket part taking the whole process context, through an import in a function.
    ("realtime/hub.py",
     "def wrong() -> object:\n    from chats.context import AppContext\n    return AppContext",
     {LAYERS, ACYCLIC}),
    # The mail layer calling back into services (the cycle issue 15 removed).
    ("mail/outbox.py", "from chats.services import offline", {LAYERS, ACYCLIC}),
    # The pure rules importing a database library.
    ("domain/text.py", "import sqlalchemy", {PURE}),
    # Two services importing each other (conversations already imports guests): the
    # layers hold, the cycle does not.
    ("services/guests.py", "from chats.services import conversations", {ACYCLIC}),
])
def test_a_wrong_import_breaks_its_contract(tmp_path: Path, path: str, line: str,
                                            broken: set[str]) -> None:
    src = copy_package(tmp_path)
    module = src / "chats" / path
    module.write_text(module.read_text(encoding="utf-8") + "\n\n" + line + "\n", encoding="utf-8")
    code, verdicts = lint(src)
    assert code != 0
    assert {name for name, verdict in verdicts.items() if verdict == "BROKEN"} == broken
    assert len(verdicts) == 3
