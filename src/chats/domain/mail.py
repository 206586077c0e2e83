"""The life of a queued e-mail (the outbox, P3)."""

from __future__ import annotations

from enum import StrEnum


class MailStatus(StrEnum):
    """Where a mail of the outbox is: waiting to go, gone, given up, or only logged."""

    PENDING = "pending"  # queued, or waiting for its next attempt
    SENT = "sent"
    FAILED = "failed"  # attempts exhausted; an admin may retry it
    LOGGED = "logged"  # no SMTP server configured: written to the log instead
    DISCARDED = "discarded"  # an admin gave up on it; kept so its dedupe key stays taken


OPEN_STATUSES = frozenset({MailStatus.PENDING, MailStatus.FAILED})
"""The mails an admin may still act on: send again (failed) or discard (either)."""
