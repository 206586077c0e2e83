"""Running the `chats` command as an operator would, and empty places to restore into."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.databases import PG_URL, PostgresDatabases


async def chats_command(env: dict[str, str], *args: str) -> tuple[int, Any, str]:
    """`python -m chats ARGS` in a child process: exit code, JSON stdout (or None), stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chats", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    lines = out.decode().strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except ValueError:  # a table for people
        result = "\n".join(lines)
    return proc.returncode or 0, result, err.decode()


@asynccontextmanager
async def empty_database() -> AsyncIterator[str | None]:
    """An empty PostgreSQL database's URL (dropped afterwards), or None on SQLite."""
    if not PG_URL:
        yield None
        return
    pg = PostgresDatabases(PG_URL)
    name = f"chats_r_{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(pg._run, f'CREATE DATABASE "{name}"')
    try:
        yield pg.url_for(name)
    finally:
        await asyncio.to_thread(pg.drop, name)
