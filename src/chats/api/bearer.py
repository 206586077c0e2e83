"""The REST API's caller: an API token in `Authorization: Bearer` (issue 17 item 1).

Tokens are read from that header only — never from a cookie or the query string — so a
browser never sends one on its own and no CSRF token is needed. Staff cookies are not
accepted here either: the REST API is for integrators, the console has its own routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chats.api.deps import client_ip, get_ctx
from chats.db.models import ApiToken, Store
from chats.errors import ChatsError
from chats.services import api_tokens
from chats.services import audit as audit_service

bearer = HTTPBearer(
    auto_error=False, scheme_name="ApiToken", bearerFormat="chats_…",
    description="An API token of one store, made in the admin menu (API tokens tab).",
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chats"'}


@dataclass
class TokenAuth:
    """The token a REST call presented, and its store."""

    token: ApiToken
    store: Store

    @property
    def can_write(self) -> bool:
        """True for a read + write token."""
        return api_tokens.can_write(self.token)


async def api_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenAuth:
    """The live token of the call; 401 without one (revoked tokens included)."""
    if credentials is None:
        raise ChatsError("unauthorized", "error.api_token", headers=_CHALLENGE)
    ctx = get_ctx(request)
    async with ctx.db.read() as session:
        found = await api_tokens.resolve(session, credentials.credentials.strip())
    if found is None:
        raise ChatsError("unauthorized", "error.api_token", headers=_CHALLENGE)
    token, store = found
    # Budgeted per token, not per address: an integration's calls come from wherever it
    # runs, and one busy integration must not slow the store's others.
    await ctx.limits.check_token(token.id)
    if api_tokens.needs_touch(token):
        async with ctx.unit_of_work() as uow:
            await api_tokens.touch(uow.session, token.id)
    return TokenAuth(token=token, store=store)


async def write_token(auth: Annotated[TokenAuth, Depends(api_token)]) -> TokenAuth:
    """A token with the write scope; a read token gets 403."""
    if not auth.can_write:
        raise ChatsError("forbidden", "error.token_scope")
    return auth


async def token_actor(request: Request,
                      auth: Annotated[TokenAuth, Depends(api_token)]) -> audit_service.Actor:
    """The token as the audit log names it, with the client address."""
    return audit_service.Actor.of_token(auth.token, client_ip(request))


ReadToken = Annotated[TokenAuth, Depends(api_token)]
WriteToken = Annotated[TokenAuth, Depends(write_token)]
TokenWho = Annotated[audit_service.Actor, Depends(token_actor)]
