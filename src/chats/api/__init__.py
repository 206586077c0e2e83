"""HTTP routers. Each router module adds itself to `routers()` with one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chats.api import (
    account,
    admin,
    audit,
    auth,
    busy,
    canned,
    conversations,
    csat,
    docs,
    embed,
    files,
    guests,
    hours,
    me,
    outbox,
    postal,
    privacy,
    search,
    staff,
    stamps,
    stats,
    tokens,
    two_factor,
    uploads,
    v1,
    webhooks,
    widget,
)

if TYPE_CHECKING:
    from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every HTTP router of the app, in the order they are mounted."""
    return [
        auth.router, staff.router, conversations.router, widget.router, files.router,
        # console (issue 5)
        me.router, guests.router, canned.router, stamps.router, uploads.router,
        admin.router, stats.router,  # admin menu (issue 6)
        outbox.router, outbox.mail_link_router,  # mail (issue 7)
        embed.router, docs.router,  # hostile clients (issue 12)
        account.router, two_factor.router,  # accounts that resist attack (issue 13)
        busy.router,  # guest flows that tell the truth (issue 14)
        hours.router,  # business hours (issue 16)
        tokens.router, v1.router(),  # API tokens and the REST API (issue 17)
        webhooks.router,  # outgoing webhooks (issue 17)
        postal.router,  # Japanese forms (issue 16)
        audit.router,  # the audit log (issue 17)
        privacy.router,  # privacy requests and retention (issue 17)
        search.router,  # message search (issue 19)
        csat.router,  # satisfaction ratings and transcripts (issue 19)
    ]
