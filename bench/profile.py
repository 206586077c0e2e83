"""Sampling profiles of a server under load (py-spy), summarised by function and by area."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.proc import pin

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::\d+)?\)$")
# Where a sample's innermost frame lives, by path fragment, first match wins.
AREAS = [
    ("chats", "chats/"),
    ("sqlalchemy", "sqlalchemy/"),
    ("aiosqlite + sqlite3", "aiosqlite/"),
    ("aiosqlite + sqlite3", "sqlite3/"),
    ("asyncpg", "asyncpg/"),
    ("redis", "redis/"),
    ("websockets / uvicorn", "websockets/"),
    ("websockets / uvicorn", "uvicorn/"),
    ("starlette / fastapi", "starlette/"),
    ("starlette / fastapi", "fastapi/"),
    ("pydantic", "pydantic"),
    ("json", "json/"),
    ("asyncio / uvloop", "asyncio/"),
    ("asyncio / uvloop", "uvloop/"),
    ("logging", "logging/"),
    ("argon2", "argon2/"),
    ("threading", "threading.py"),
    ("queue", "queue.py"),
]


def py_spy() -> str | None:
    """The py-spy next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, out: Path, *, rate: int = 100) -> Path | None:
    """Sample `pid` for `seconds` into a collapsed-stack file; None without py-spy."""
    exe = py_spy()
    if exe is None:
        return None
    proc = await asyncio.create_subprocess_exec(
        exe, "record", "--pid", str(pid), "--rate", str(rate), "--duration",
        str(max(1, round(seconds))), "--format", "raw", "--output", str(out), "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    pin({1}, proc.pid)
    await proc.wait()
    return out if out.exists() else None


def _parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        head, _, count = line.rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def _name(frame: str) -> tuple[str, str]:
    m = FRAME.match(frame)
    if not m:
        return frame, ""
    path = m.group("file")
    short = re.sub(r"^.*?/(site-packages|lib/python3\.\d+)/", "", path)
    short = re.sub(r"^.*?/src/", "", short)
    return f"{m.group('func')} ({short})", path


def _area(path: str) -> str:
    for area, fragment in AREAS:
        if path.startswith(fragment) or f"/{fragment}" in path:
            return area
    return "other"


def summarise(path: Path, top: int = 15) -> dict[str, Any]:
    """Self and inclusive shares of the busiest functions, and self time by area."""
    stacks = _parse(path)
    total = sum(n for _, n in stacks) or 1
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    for frames, n in stacks:
        names = [_name(f) for f in frames if not f.startswith("process ")
                 and not f.startswith("thread ")]
        if not names:
            continue
        leaf, leaf_path = names[-1]
        own[leaf] += n
        areas[_area(leaf_path)] += n
        for name in {nm for nm, p in names if _area(p) in ("chats", "sqlalchemy")
                     and nm.split(" (")[0] not in ("main", "<module>", "cmd_serve")}:
            incl[name] += n

    def pct(c: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": k, "pct": round(100 * v / total, 1)} for k, v in c.most_common(top)]

    return {"samples": total, "self": pct(own), "inclusive": pct(incl),
            "areas": [{"area": k, "pct": round(100 * v / total, 1)}
                      for k, v in areas.most_common()]}
