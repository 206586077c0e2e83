"""The deliverer's HTTP/1.1 client (`services/webhook_http.py`) against real sockets.

A scripted TCP server on 127.0.0.1 answers each request as a test asks: kept alive,
closed before answering, with a body longer than the read limit, with bytes that are
not HTTP, or never. It counts connections, so reuse and closing are observed from the
far side of the socket.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import h11
import pytest

from chats.services.webhook_http import PostError, Target, WebhookHttp
from tests.servers import free_port

Script = Callable[[int, int, h11.Request, bytes], bytes | None]
"""(connection number, request number on it, request, body) → bytes to answer; None: close."""


@dataclass
class Scripted:
    port: int
    script: Script
    connections: int = 0
    requests: list[tuple[int, h11.Request, bytes]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        conn = h11.Connection(h11.SERVER)
        on_this = 0
        try:
            while True:
                request: h11.Request | None = None
                body = b""
                while True:
                    event = conn.next_event()
                    if event is h11.NEED_DATA:
                        data = await reader.read(65536)
                        if not data:
                            return
                        conn.receive_data(data)
                    elif isinstance(event, h11.Request):
                        request = event
                    elif isinstance(event, h11.Data):
                        body += bytes(event.data)
                    elif isinstance(event, h11.EndOfMessage):
                        break
                assert request is not None
                on_this += 1
                self.requests.append((number, request, body))
                answer = self.script(number, on_this, request, body)
                if answer is None:
                    return
                writer.write(answer)
                await writer.drain()
                conn = h11.Connection(h11.SERVER)  # the script wrote raw bytes: start afresh
        finally:
            writer.close()


def ok(body: bytes = b"ok") -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body)


async def serve(box: Scripted) -> asyncio.Server:
    return await asyncio.start_server(box.handle, "127.0.0.1", box.port)


def target(port: int, path: str = "/hook?store=a") -> Target:
    return Target("http", "127.0.0.1", port, f"hooks.example.jp:{port}", "hooks.example.jp", path)


async def test_a_kept_connection_carries_the_next_request() -> None:
    box = Scripted(free_port(), lambda *_: ok())
    server = await serve(box)
    http = WebhookHttp(user_agent="CHATS-test")
    try:
        for n in range(3):
            answer = await http.post(target(box.port), [("webhook-id", f"d{n}")],
                                     b'{"n":%d}' % n, 4096)
            assert (answer.status, answer.body) == (200, b"ok")
        assert box.connections == 1
        assert [body for _, _, body in box.requests] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
        _, request, _ = box.requests[0]
        headers = dict(request.headers)
        assert request.method == b"POST" and request.target == b"/hook?store=a"
        assert headers[b"host"] == f"hooks.example.jp:{box.port}".encode()
        assert headers[b"webhook-id"] == b"d0" and headers[b"user-agent"] == b"CHATS-test"
    finally:
        await http.aclose()
        server.close()


async def test_a_connection_the_receiver_closed_is_not_used_again() -> None:
    # Connection: close from the receiver, and a receiver that drops a kept connection
    # without a word when the next request comes: both end with the request answered.
    def script(conn: int, on_conn: int, request: h11.Request, body: bytes) -> bytes | None:
        if conn == 1 and on_conn == 2:
            return None  # closed before answering: sent again on a new connection
        if conn == 2:
            return b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"
        return ok()

    box = Scripted(free_port(), script)
    server = await serve(box)
    http = WebhookHttp(user_agent="CHATS-test")
    try:
        assert (await http.post(target(box.port), [], b"1", 4096)).status == 200
        assert (await http.post(target(box.port), [], b"2", 4096)).status == 200
        assert box.connections == 2
        assert (await http.post(target(box.port), [], b"3", 4096)).status == 200
        assert box.connections == 3  # the answer said close: a new connection
        assert [(c, b) for c, _, b in box.requests] == [(1, b"1"), (1, b"2"), (2, b"2"),
                                                        (3, b"3")]
    finally:
        await http.aclose()
        server.close()


async def test_a_long_answer_is_cut_at_the_limit_and_its_connection_closed() -> None:
    box = Scripted(free_port(), lambda *_: ok(b"x" * 20000))
    server = await serve(box)
    http = WebhookHttp(user_agent="CHATS-test")
    try:
        answer = await http.post(target(box.port), [], b"{}", 4096)
        assert answer.status == 200 and answer.body == b"x" * 4096
        await http.post(target(box.port), [], b"{}", 4096)
        assert box.connections == 2
    finally:
        await http.aclose()
        server.close()


async def test_what_is_not_an_answer_is_a_clear_error() -> None:
    refused = free_port()
    http = WebhookHttp(user_agent="CHATS-test")
    with pytest.raises(PostError, match=r"^ConnectError: "):
        await http.post(target(refused), [], b"{}", 4096)

    box = Scripted(free_port(), lambda *_: b"HELLO THERE\r\n\r\n")
    server = await serve(box)
    try:
        with pytest.raises(PostError, match=r"^RemoteProtocolError: "):
            await http.post(target(box.port), [], b"{}", 4096)
    finally:
        server.close()

    closing = Scripted(free_port(), lambda *_: None)  # a fresh connection closed unanswered
    server = await serve(closing)
    try:
        with pytest.raises(PostError, match=r"^ReadError: "):
            await http.post(target(closing.port), [], b"{}", 4096)
        assert closing.connections == 1  # a new connection is not tried twice
    finally:
        await http.aclose()
        server.close()


async def test_a_request_given_up_leaves_no_connection_behind() -> None:
    def script(conn: int, on_conn: int, request: h11.Request, body: bytes) -> bytes | None:
        return ok() if conn > 1 else b""  # the first connection never answers

    box = Scripted(free_port(), script)
    server = await serve(box)
    http = WebhookHttp(user_agent="CHATS-test")
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await http.post(target(box.port), [], b"slow", 4096)
        answer = await http.post(target(box.port), [], b"next", 4096)
        assert answer.status == 200 and box.connections == 2
    finally:
        await http.aclose()
        server.close()


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (and its key), made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


async def test_https_goes_to_the_checked_address_with_the_urls_host_name(
        tmp_path: Path) -> None:
    # The request is sent to 127.0.0.1 (the address checked), while TLS names and verifies
    # the URL's host: a certificate for that name is accepted, one for another is not.
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is missing")
    cert, key = _certificate(tmp_path, "hooks.example.jp")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    box = Scripted(free_port(), lambda *_: ok(b"secure"))
    server = await asyncio.start_server(box.handle, "127.0.0.1", box.port, ssl=server_tls)
    trusting = ssl.create_default_context(cafile=str(cert))
    http = WebhookHttp(user_agent="CHATS-test", tls=trusting)
    secure = Target("https", "127.0.0.1", box.port, "hooks.example.jp", "hooks.example.jp",
                    "/hook")
    try:
        answer = await http.post(secure, [], b"{}", 4096)
        assert (answer.status, answer.body) == (200, b"secure")
        assert dict(box.requests[0][1].headers)[b"host"] == b"hooks.example.jp"
        wrong_name = Target("https", "127.0.0.1", box.port, "evil.example.jp",
                            "evil.example.jp", "/hook")
        with pytest.raises(PostError, match=r"^ConnectError: .*(certificate|match)"):
            await http.post(wrong_name, [], b"{}", 4096)
        untrusted = WebhookHttp(user_agent="CHATS-test")  # the system's CAs: not ours
        with pytest.raises(PostError, match=r"^ConnectError: .*certificate"):
            await untrusted.post(secure, [], b"{}", 4096)
    finally:
        await http.aclose()
        server.close()
