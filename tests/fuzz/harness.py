"""Playing hostile sessions against a server process, and reading its log and memory."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.fuzz.strategies import Action, Session

SENTINEL = "fuzz-sentinel"
# Long enough for a server busy with a flood on a shared machine; a server that stopped
# answering fails here.
REPLY_TIMEOUT = 20.0


@dataclass
class Tally:
    """What the fuzzer sent and what came back; `frames` is read by the control loop."""

    frames: int = 0
    sessions: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)
    peak_rss_kib: int = 0
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Target:
    """Where the sessions go: the server's URLs and the staff member's session cookie."""

    http_url: str
    ws_url: str
    staff_cookie: str


def play(target: Target, session: Session, tally: Tally) -> None:
    """Open a socket, send the session's frames, then wait for the sentinel's refusal."""
    headers = {"Cookie": f"chats_session={target.staff_cookie}"} \
        if session.socket == "staff" else {}
    try:
        with connect(f"{target.ws_url}/ws/{session.socket}", origin=target.http_url,  # type: ignore[arg-type]
                     additional_headers=headers, max_size=2**22, open_timeout=REPLY_TIMEOUT,
                     close_timeout=2) as ws:
            _send_all(ws, session)
            _until_sentinel(ws, tally)
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else "none"
        tally.closes[str(code)] += 1
    except InvalidStatus as exc:  # refused at the handshake
        tally.closes[f"http {exc.response.status_code}"] += 1
    tally.frames += session.frame_count()
    tally.sessions += 1


def _send_all(ws: ClientConnection, session: Session) -> None:
    for action in session.before:
        _send(ws, action)
    if session.hello is not None:
        ws.send(json.dumps(session.hello))
    for action in session.actions:
        _send(ws, action)
    ws.send(json.dumps({"type": SENTINEL, "client_msg_id": SENTINEL}))


def _send(ws: ClientConnection, action: Action) -> None:
    kind = action[0]
    if kind == "text":
        ws.send(action[1])
    elif kind == "utf8":
        ws.send(action[1], text=True)  # the bytes go out as a text frame, unchecked
    elif kind == "binary":
        ws.send(action[1], text=False)
    else:
        for _ in range(action[2]):
            ws.send(action[1])


def _until_sentinel(ws: ClientConnection, tally: Tally) -> None:
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=REPLY_TIMEOUT))
        if frame.get("type") == "error":
            if frame.get("ref") == SENTINEL:
                tally.closes["open"] += 1
                return
            tally.refusals[str(frame.get("code"))] += 1


def rss_kib(pid: int) -> tuple[int, int]:
    """The process's resident memory and its peak so far, in KiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


class ServerLog:
    """The server's JSON log, read incrementally."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.records: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        """Records written since the last call."""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        complete = data[:data.rfind(b"\n") + 1]
        self.offset += len(complete)
        # Split on "\n" only: `splitlines` also splits on U+0085 and U+2028, which a
        # client's text can put inside a record.
        new = [_record(line) for line in complete.decode("utf-8", "replace").split("\n")
               if line.strip()]
        self.records.extend(new)
        return new


def _record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:  # not ours: something printed straight to stderr
        return {"level": "raw", "message": line}
    return record if isinstance(record, dict) else {"level": "raw", "message": line}


def problems(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records that show an unhandled exception or an error, or are not our log at all."""
    return [r for r in records
            if r.get("level") in ("error", "critical", "raw") or "exc" in r
            or "Traceback" in str(r.get("message", ""))]
