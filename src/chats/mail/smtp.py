"""SMTP delivery: the server named by CHATS_SMTP_URL, one MIME message per outbox row."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

if TYPE_CHECKING:
    from datetime import datetime

    from chats.db.models import MailOutbox

# 7-bit bodies (quoted-printable/base64) pass every relay, with or without 8BITMIME.
POLICY = SMTP.clone(cte_type="7bit")
_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to connect, parsed from an smtp:// or smtps:// URL."""

    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: STARTTLS when the server offers it
    timeout: float = 30.0
    ca_file: str | None = None  # trust this CA bundle too (a private relay's certificate)


def _flag(query: dict[str, list[str]], name: str) -> bool | None:
    values = query.get(name)
    if not values:
        return None
    if values[-1].lower() not in _FLAGS:
        raise ValueError(f"CHATS_SMTP_URL: {name} must be true or false")
    return _FLAGS[values[-1].lower()]


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://user:pass@host:port` → SmtpTarget; smtps:// is implicit TLS.

    Query options: `starttls=true|false` (default: when offered), `timeout=` seconds,
    `ca=` path of a CA bundle to trust.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("CHATS_SMTP_URL must look like smtp://host:port or smtps://host:port")
    query = parse_qs(parts.query)
    use_tls = parts.scheme == "smtps"
    start_tls = False if use_tls else _flag(query, "starttls")
    timeout = float(query.get("timeout", ["30"])[-1])
    default_port = 465 if use_tls else 587 if parts.username else 25
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
        timeout=timeout,
        ca_file=query.get("ca", [None])[-1],
    )


def build_message(mail: MailOutbox, *, mail_from: str, now: datetime) -> EmailMessage:
    """multipart/alternative (text, then HTML) with the row's stable Message-ID."""
    msg = EmailMessage(policy=POLICY)
    # The email package encodes non-ASCII headers (RFC 2047) and refuses CR/LF in them.
    msg["From"] = mail_from
    msg["To"] = mail.to_addr
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = mail.message_id
    # RFC 3834: keeps vacation responders from answering a notification.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body_text)
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html")
    return msg


async def deliver(target: SmtpTarget, message: EmailMessage, *, sender: str, to: str) -> None:
    """Hand the message to the SMTP server; raises when it is not accepted."""
    await aiosmtplib.send(
        message,
        sender=parseaddr(sender)[1] or sender,
        recipients=[to],
        hostname=target.host,
        port=target.port,
        username=target.username,
        password=target.password,
        use_tls=target.use_tls,
        start_tls=target.start_tls,
        timeout=target.timeout,
        cert_bundle=target.ca_file,
    )


def is_permanent(exc: BaseException) -> bool:
    """True when retrying cannot help: the server refused the recipient for good (5xx)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPRecipientRefused) and exc.code >= 500


def describe_error(exc: BaseException) -> str:
    """The reason an admin reads in the outbox: the server's reply, else the error's text."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(describe_error(r) for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reply = f"{exc.code} {exc.message}".strip()
        recipient = getattr(exc, "recipient", None)
        return f"{reply} ({recipient})" if recipient else reply
    return f"{type(exc).__name__}: {exc}"
