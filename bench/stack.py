"""The systems under test: CHATS on SQLite, CHATS on PostgreSQL + Redis, the bare relay.

Each gets a fresh data directory (and, for PostgreSQL, a fresh database and a
unique Redis prefix that are dropped afterwards); stores and staff are made the
way an operator would, with the `chats` CLI and the HTTP API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import client
from bench.load import Target
from bench.proc import Server

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "bench-password-1"
SERVER_CPU = {0}
STAFF_CPU = {1}  # the second process of the two-process mode


def snapshot_src(rev: str = "HEAD") -> Path:
    """The committed `src/` of `rev` in a temporary folder (others' uncommitted edits left out)."""
    dest = Path(tempfile.mkdtemp(prefix="chats-bench-src-"))
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


SRC: dict[str, str] = {}  # PYTHONPATH for the servers and the CLI when measuring a snapshot


@dataclass
class Stack:
    """One system under test: its servers, store and staff sessions."""

    name: str
    kind: str  # relay | sqlite | postgres
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    guest_server: Server | None = None
    staff_server: Server | None = None
    widget_key: str = "bench"
    cookies: list[str] = field(default_factory=list)
    pg_db: str | None = None
    redis_prefix: str | None = None
    setup: dict[str, Any] = field(default_factory=dict)

    @property
    def servers(self) -> list[Server]:
        found = [s for s in (self.guest_server, self.staff_server) if s is not None]
        return list({id(s): s for s in found}.values())

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.servers]

    def target(self) -> Target:
        g, s = self.guest_server, self.staff_server
        assert g is not None and s is not None
        return Target(g.url, g.ws_url, s.url, s.ws_url, self.widget_key, self.cookies)

    def new_server(self, name: str, cpus: set[int] | None = None) -> Server:
        module = "bench.relay" if self.kind == "relay" else "chats"
        return Server(name, module, self.env, cpus or SERVER_CPU, self.workdir / "logs")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "chats", *args], env={**os.environ, **env},
                         capture_output=True, text=True, check=False, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"chats {args[0]} failed: {out.stderr.strip()}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _pg(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _redis_clear(prefix: str) -> int:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    removed = 0
    try:
        async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
            removed += int(await redis.delete(key))
    finally:
        await redis.aclose()
    return removed


# Every simulated guest of the bench comes from 127.0.0.1: lift the per-address budgets
# (README settings table), which exist to stop one hostile address, not to shape load.
UNLIMITED = {f"CHATS_LIMIT_{name}": "100000000" for name in (
    "VISITS_PER_MINUTE", "NEW_GUESTS_PER_HOUR", "HELLOS_PER_MINUTE", "STARTS_PER_MINUTE",
    "SENDS_PER_MINUTE", "TYPING_PER_MINUTE")}


async def make_stack(kind: str, staff: int, *, two_processes: bool = False,
                     staff_via: str = "http", env: dict[str, str] | None = None) -> Stack:
    """Create the data, start the server(s), the store and `staff` logged-in staff members.

    `env`: more settings for the servers and the CLI (after the bench's own).
    """
    tag = secrets.token_hex(4)
    workdir = Path(tempfile.mkdtemp(prefix=f"chats-bench-{kind}-"))
    stack = Stack(kind, kind, workdir)
    if kind == "relay":
        stack.guest_server = stack.staff_server = stack.new_server("relay").start()
        stack.cookies = ["none"] * staff
        return stack
    stack.env = {**SRC, "CHATS_DATA_DIR": str(workdir / "data"),
                 "CHATS_SECRET_KEY": secrets.token_hex(24),
                 "CHATS_LOG_LEVEL": "WARNING", **UNLIMITED, **(env or {})}
    if kind == "sqlite":
        stack.env["CHATS_DATABASE_URL"] = f"sqlite:///{workdir}/data/chats.db"
    else:
        stack.pg_db = f"chats_bench_{tag}"
        await _pg(f'CREATE DATABASE "{stack.pg_db}"')
        stack.env["CHATS_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{stack.pg_db}"
        stack.redis_prefix = f"chats-bench-{tag}"
        stack.env["CHATS_REDIS_URL"] = REDIS_URL
        stack.env["CHATS_REDIS_PREFIX"] = stack.redis_prefix
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    t0 = asyncio.get_running_loop().time()
    store = _cli(stack.env, "create-store", "Bench store", "--admin", "bench-admin",
                 "--password", PASSWORD, "--locale", "en")
    stack.widget_key = store["widget_key"]
    stack.guest_server = stack.new_server(f"{kind}-guests" if two_processes else kind).start()
    # Two processes: each gets a core; the staff one shares CPU 1 with the generator.
    stack.staff_server = (stack.new_server(f"{kind}-staff", STAFF_CPU).start() if two_processes
                          else stack.guest_server)
    await _add_staff(stack, store["store_id"], staff, staff_via)
    stack.setup = {"store_and_staff_s": round(asyncio.get_running_loop().time() - t0, 1),
                   "staff": staff, "staff_via": staff_via}
    return stack


async def _add_staff(stack: Stack, store_id: str, count: int, via: str) -> None:
    assert stack.staff_server is not None
    url = stack.staff_server.url
    logins = [f"bench-staff-{i}" for i in range(count)]
    if via == "cli":
        for login in logins:
            await asyncio.to_thread(_cli, stack.env, "create-staff", "--store", store_id,
                                    "--login", login, "--password", PASSWORD,
                                    "--max-chats", "9")
    else:
        async with httpx.AsyncClient(base_url=url, timeout=60) as admin:
            r = await admin.post("/api/auth/login",
                                 json={"login_id": "bench-admin", "password": PASSWORD})
            r.raise_for_status()
            headers = {"X-CSRF-Token": r.json()["csrf_token"]}
            sem = asyncio.Semaphore(4)

            async def create(login: str) -> None:
                async with sem:
                    resp = await admin.post("/api/staff", headers=headers, json={
                        "login_id": login, "password": PASSWORD, "name": login,
                        "role": "agent", "max_chats": 9})
                    resp.raise_for_status()

            await asyncio.gather(*(create(login) for login in logins))
    sem = asyncio.Semaphore(4)

    async def log_in(login: str) -> str:
        async with sem:
            return await client.login(url, login, PASSWORD)

    stack.cookies = list(await asyncio.gather(*(log_in(login) for login in logins)))


async def drop_stack(stack: Stack) -> None:
    """Stop the servers and remove the data, the database and the Redis keys."""
    stack.stop()
    if stack.pg_db:
        with contextlib.suppress(Exception):
            await _pg(f'DROP DATABASE IF EXISTS "{stack.pg_db}" WITH (FORCE)')
    if stack.redis_prefix:
        with contextlib.suppress(Exception):
            await _redis_clear(stack.redis_prefix)
    logs = stack.workdir / "logs"
    if logs.exists():
        keep = ROOT / "bench" / "results" / "logs"
        keep.mkdir(parents=True, exist_ok=True)
        for log in logs.iterdir():
            shutil.copy(log, keep / log.name)
    shutil.rmtree(stack.workdir, ignore_errors=True)
