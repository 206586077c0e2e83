"""A server process for the hostile-client tests: its log is a file the test reads."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from chats.config import Settings
from tests.servers import ProcessServer, env_for

# Settings for the fuzz server. Every fuzz client and the control conversation come from
# 127.0.0.1: a per-address budget must be generous here, or the floods would starve the
# control conversation of its share and the test would measure the limit, not the server.
# Every fuzz client and the control conversation come from 127.0.0.1: lift the per-address
# budgets (they are tested in tests/widget/test_bounds.py) so floods cannot starve the control.
FUZZ_ENV: dict[str, str] = {
    "CHATS_LIMIT_HELLOS_PER_MINUTE": "1000000",
    "CHATS_LIMIT_STARTS_PER_MINUTE": "1000000",
    "CHATS_LIMIT_SENDS_PER_MINUTE": "1000000",
    "CHATS_LIMIT_TYPING_PER_MINUTE": "1000000",
    "CHATS_LIMIT_NEW_GUESTS_PER_HOUR": "1000000",
    "CHATS_LIMIT_VISITS_PER_MINUTE": "1000000",
}


@pytest.fixture
def fuzz_server(settings: Settings, tmp_path: Path) -> Iterator[ProcessServer]:
    """`chats serve` as a child process, logging JSON lines to `server.log`."""
    # The client library logs an error with a traceback each time the server drops a
    # socket without a closing handshake, as it may do to a hostile client; the server's
    # log is what these tests judge.
    client_log = logging.getLogger("websockets.client")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)
    # A shared CI machine can take half a minute to import and start the app.
    server = ProcessServer(env={**env_for(settings), **FUZZ_ENV},
                           log_path=tmp_path / "server.log", start_timeout=120)
    try:
        yield server.start()
    finally:
        server.stop()  # also when it never became healthy: no process left behind
        client_log.setLevel(level)
