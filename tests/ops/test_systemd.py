"""The shipped systemd units' commands and environment file start a working server."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from chats.config import Settings
from tests.servers import env_for, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
CHATS = "/opt/chats/venv/bin/chats"


def _commands(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "systemd" / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStartPre", "ExecStart"):
            found[key] = shlex.split(value)
    return found


def _env_file() -> dict[str, str]:
    lines = (ROOT / "deploy" / "chats.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("unit", ["chats.service", "chats@.service"])
def test_unit_commands_start_a_server(unit: str, settings: Settings, tmp_path: Path) -> None:
    if unit == "chats.service" and settings.redis_url:
        pytest.skip("the single-process unit is for SQLite")
    port = free_port()
    env = {**_env_file(), "CHATS_DATA_DIR": str(tmp_path / "data"),
           "CHATS_PUBLIC_URL": f"http://127.0.0.1:{port}", "CHATS_LOG_LEVEL": "WARNING"}
    if unit == "chats@.service":  # the template's commented lines, filled in
        shared = env_for(settings)
        env.update({k: shared[k] for k in ("CHATS_DATABASE_URL", "CHATS_SECRET_KEY",
                                           "CHATS_REDIS_PREFIX")})
        if settings.redis_url:
            env["CHATS_REDIS_URL"] = settings.redis_url
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    commands = _commands(unit)
    assert commands["ExecStart"][0] == CHATS

    def real(args: list[str]) -> list[str]:
        fixed = [a.replace("%i", str(port)) for a in args]
        if unit == "chats.service":
            fixed = [str(port) if a == "8000" else a for a in fixed]
        return [sys.executable, "-m", "chats", *fixed[1:]]

    if "ExecStartPre" in commands:
        subprocess.run(real(commands["ExecStartPre"]), env=env, check=True,
                       capture_output=True)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(real(commands["ExecStart"]), env=env,
                            stdout=log, stderr=log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
    # uvicorn shuts down cleanly, then ends by the signal it got, as systemd expects.
    assert proc.returncode in (0, -15)
