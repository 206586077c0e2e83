"""The `chats` command as an outside script uses it (protocol §8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from chats.config import Settings
from tests.servers import ProcessServer, env_for


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_for(settings)}
    return subprocess.run(
        [sys.executable, "-m", "chats", *args], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )


def test_create_store_and_staff_then_log_in(settings: Settings, tmp_path: Path) -> None:
    out = run_cli(settings, "create-store", "茶房みどり", "--admin", "owner", "--password",
                  "owner-password")
    assert out.returncode == 0, out.stderr
    store = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(store) == {"store_id", "widget_key", "admin_id"}
    out = run_cli(settings, "create-staff", "--store", store["store_id"], "--login", "clerk",
                  "--password", "clerk-password", "--name", "店員", "--max-chats", "5")
    assert out.returncode == 0, out.stderr
    staff = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(staff) == {"staff_id"}
    # The same login ID again is refused with a clear error.
    dup = run_cli(settings, "create-staff", "--store", store["store_id"], "--login", "clerk",
                  "--password", "clerk-password")
    assert dup.returncode == 1
    assert json.loads(dup.stderr)["error"]["code"] == "conflict"

    srv = ProcessServer(env=env_for(settings), log_path=tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=srv.url) as c:
            r = c.post("/api/auth/login", json={"login_id": "clerk", "password": "clerk-password"})
            assert r.status_code == 200
            me = c.get("/api/auth/me").json()["staff"]
            assert (me["id"], me["name"], me["max_chats"]) == (staff["staff_id"], "店員", 5)
            assert me["store"]["id"] == store["store_id"]
    finally:
        srv.stop()


def test_migrate_command(settings: Settings) -> None:
    out = run_cli(settings, "migrate")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"migrated": True}
