"""The staff session's cookie, read by the HTTP routes and the staff socket alike."""

from __future__ import annotations

SESSION_COOKIE = "chats_session"
