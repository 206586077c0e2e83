"""What the audit log records (issue 17 item 5): the actions, and the CSV an admin exports.

Pure rules only: the kinds of action, the cut-off of the retention period, and the
shape of one exported line. Writing and reading the rows is `services/audit.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class AuditAction(StrEnum):
    """One kind of admin or security action (the `action` column)."""

    STAFF_CREATED = "staff.created"
    STAFF_CHANGED = "staff.changed"  # details.fields: the new values (a password: its own row)
    STAFF_DISABLED = "staff.disabled"
    STAFF_ENABLED = "staff.enabled"
    STAFF_PASSWORD_RESET = "staff.password_reset"  # noqa: S105 - an action's name
    STAFF_TWO_FACTOR_RESET = "staff.two_factor_reset"
    PASSWORD_CHANGED = "account.password_changed"  # noqa: S105 - an action's name
    TWO_FACTOR_ENABLED = "account.two_factor_enabled"
    TWO_FACTOR_DISABLED = "account.two_factor_disabled"
    TWO_FACTOR_REQUIRED = "store.two_factor_required"  # details.required: on or off
    SETTINGS_THEME = "settings.theme"
    SETTINGS_BUTTON = "settings.button_image"
    SETTINGS_LOGO = "settings.logo"
    SETTINGS_EMBED = "settings.embed"
    SETTINGS_RETENTION = "settings.retention"  # details.from / details.to: days or null
    TOKEN_CREATED = "token.created"  # noqa: S105 - an action's name
    TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an action's name
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_CHANGED = "webhook.changed"  # details: the new url, events or on/off
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_RESENT = "webhook.resent"  # a delivery's "send again"
    GUEST_BLACKLISTED = "guest.blacklisted"
    GUEST_UNBLACKLISTED = "guest.unblacklisted"
    MAIL_RETRIED = "mail.retried"  # the outbox's "send again"
    MAIL_DISCARDED = "mail.discarded"
    # The hook for privacy requests (issue 17 item 4): the export and erasure actions
    # record these through `services.audit.record` in their own unit of work.
    GUEST_EXPORTED = "guest.exported"
    GUEST_ERASED = "guest.erased"


class ActorKind(StrEnum):
    """Who acted: a signed-in staff member, an integrator's API token, or CHATS itself."""

    STAFF = "staff"
    TOKEN = "token"  # noqa: S105 - a kind of actor
    SYSTEM = "system"


CSV_COLUMNS = ("time", "action", "actor_kind", "actor", "actor_id", "address",
               "target_type", "target_id", "details")
"""The header of the CSV export, in this order."""

DANGEROUS_CSV_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell Excel shows as text: a leading formula character is escaped with a quote."""
    return "'" + value if value.startswith(DANGEROUS_CSV_START) else value


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Rows older than this are purged."""
    return now - timedelta(days=days)
