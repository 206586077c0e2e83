"""Operators' tools behind the `chats` command: backup and restore, stores, upgrades."""

from __future__ import annotations

from chats.errors import ChatsError


class OpsError(ChatsError):
    """An operator's command that cannot go on; its text (English) says why."""

    def __init__(self, text: str, code: str = "conflict") -> None:
        super().__init__(code)
        self.text = text

    def message(self, locale: str | None) -> str:
        return self.text
