"""SMTP connections: URL options, STARTTLS, implicit TLS and authentication, for real."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from chats.config import Settings
from chats.db.engine import Database
from chats.mail.sender import MailSender
from chats.mail.smtp import SmtpTarget, parse_smtp_url
from tests.factories import create_store
from tests.mail.conftest import SmtpServer, close_context, open_context
from tests.mail.helpers import add_guest, notify_unread, outbox_rows


def test_smtp_urls() -> None:
    assert parse_smtp_url("smtp://mail.example.com") == SmtpTarget(
        host="mail.example.com", port=25, username=None, password=None, use_tls=False,
        start_tls=None,
    )
    target = parse_smtp_url("smtp://shop%40example.com:p%40ss@mail.example.com?starttls=true")
    assert (target.port, target.username, target.password) == (587, "shop@example.com", "p@ss")
    assert target.start_tls is True
    tls = parse_smtp_url("smtps://u:p@mail.example.com?timeout=5&ca=/etc/ca.pem")
    assert (tls.port, tls.use_tls, tls.start_tls, tls.timeout, tls.ca_file) == (
        465, True, False, 5.0, "/etc/ca.pem")
    assert parse_smtp_url("smtp://h:2525?starttls=false").start_tls is False
    for bad in ["http://h", "smtp://", "smtp://h?starttls=maybe"]:
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


@pytest.fixture
def certificate(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    yield cert, key


def _server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Accounts:
    """An aiosmtpd authenticator with one account; remembers who logged in."""

    def __init__(self, login: str, password: str) -> None:
        self.account = (login.encode(), password.encode())
        self.logins: list[bytes] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login, auth_data.password) == self.account
        if ok:
            self.logins.append(auth_data.login)
        return AuthResult(success=ok, handled=False)


async def _send_one(settings: Settings, db: Database, smtp_url: str) -> str:
    """Queue one mail, run a sender against `smtp_url`, return the row's status."""
    mail_settings = settings.model_copy(update={"smtp_url": smtp_url})
    ctx = await open_context(mail_settings)
    try:
        store = await create_store(db)
        await notify_unread(db, mail_settings, store_id=store.store_id,
                            guest=await add_guest(db, store_id=store.store_id))
        assert await MailSender(ctx).run_once() == 1
    finally:
        await close_context(ctx)
    [row] = await outbox_rows(db)
    return row.status if row.status != "pending" else f"pending: {row.last_error}"


async def test_starttls_when_offered_then_authentication(
    settings: Settings, db: Database, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    accounts = Accounts("shop@example.com", "p@ss word")
    server = SmtpServer(options={"tls_context": _server_tls(cert, key), "auth_required": True,
                                 "authenticator": accounts}).start()
    try:
        url = f"smtp://shop%40example.com:p%40ss%20word@127.0.0.1:{server.port}?ca={cert}"
        assert await _send_one(settings, db, url) == "sent"
        await server.mailbox.wait_for(1)
        assert accounts.logins == [b"shop@example.com"]
    finally:
        server.stop()


async def test_implicit_tls(settings: Settings, db: Database,
                            certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    accounts = Accounts("shop", "secret")
    # aiosmtpd only counts STARTTLS as TLS, so it is told AUTH is fine on this socket.
    server = SmtpServer(options={"ssl_context": _server_tls(cert, key),
                                 "auth_require_tls": False, "authenticator": accounts}).start()
    try:
        url = f"smtps://shop:secret@127.0.0.1:{server.port}?ca={cert}"
        assert await _send_one(settings, db, url) == "sent"
        await server.mailbox.wait_for(1)
        assert accounts.logins == [b"shop"]
    finally:
        server.stop()


async def test_an_untrusted_certificate_is_not_accepted(
    settings: Settings, db: Database, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server = SmtpServer(options={"ssl_context": _server_tls(cert, key)}).start()
    try:
        status = await _send_one(settings, db, f"smtps://127.0.0.1:{server.port}")
        assert status.startswith("pending:") and "CERTIFICATE" in status.upper()
        assert server.mailbox.received == []
    finally:
        server.stop()


async def test_required_starttls_is_not_skipped(settings: Settings, db: Database,
                                                smtp: SmtpServer) -> None:
    status = await _send_one(settings, db, f"smtp://127.0.0.1:{smtp.port}?starttls=true")
    assert status.startswith("pending:") and "STARTTLS" in status
    assert smtp.mailbox.received == []


async def test_a_wrong_password_keeps_the_mail_pending(
    settings: Settings, db: Database, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server = SmtpServer(options={"tls_context": _server_tls(cert, key), "auth_required": True,
                                 "authenticator": Accounts("shop", "right")}).start()
    try:
        status = await _send_one(settings, db,
                                 f"smtp://shop:wrong@127.0.0.1:{server.port}?ca={cert}")
        assert status.startswith("pending:") and "535" in status
        assert server.mailbox.received == []
    finally:
        server.stop()
