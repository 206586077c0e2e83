"""HTTP routers. Each router module adds itself to `routers()` with one import line."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every HTTP router of the app, in the order they are mounted."""
    from chats.api import auth, conversations, files, staff, widget

    found = [auth.router, staff.router, conversations.router, widget.router, files.router]
    from chats.api import canned, guests, me, stamps, uploads  # console (issue 5)

    found += [me.router, guests.router, canned.router, stamps.router, uploads.router]
    from chats.api import admin, stats  # admin menu (issue 6)

    found += [admin.router, stats.router]
    from chats.api import outbox  # mail (issue 7)

    found += [outbox.router, outbox.mail_link_router]
    return found
