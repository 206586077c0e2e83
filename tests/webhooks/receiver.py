"""A real HTTP receiver for webhook tests: answers, answers slowly, fails, refuses, recovers."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook as Verifier

from tests.servers import free_port


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> Any:
        """The payload, once the Standard Webhooks library accepts its signature."""
        return Verifier(secret).verify(self.body, self.headers)


class Receiver:
    """`mode`: "ok" (200), "fail" (500), "hold" (answers 200 once `release` is set)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.received: list[Received] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        """Listen (again, on the same port)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                mode = receiver.mode
                with receiver._lock:
                    receiver.received.append(Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                receiver.arrived.set()
                if mode == "hold":
                    receiver.release.wait(60)
                code = 500 if mode == "fail" else 200
                answer = b"boom: the receiver failed" if code == 500 else b"ok"
                self.send_response(code)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the socket: connections are refused until `start` again."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self.release.clear()

    def count(self, event: str | None = None) -> int:
        """How many requests came (of one event type)."""
        with self._lock:
            return sum(1 for r in self.received
                       if event is None or f'"type":"{event}"'.encode() in r.body)

    def of(self, event: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if f'"type":"{event}"'.encode() in r.body]
