"""The statuses and roles stored as plain strings and sent on the wire keep their values."""

from __future__ import annotations

from chats.domain.mail import MailStatus
from chats.domain.staff import StaffRole


def test_mail_status_values() -> None:
    assert [s.value for s in MailStatus] == ["pending", "sent", "failed", "logged", "discarded"]


def test_staff_role_values() -> None:
    assert [r.value for r in StaffRole] == ["admin", "agent"]
