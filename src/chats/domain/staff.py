"""A staff member's role in a store."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    """What a staff member may do: admins also manage the store (A*), agents chat."""

    ADMIN = "admin"
    AGENT = "agent"
