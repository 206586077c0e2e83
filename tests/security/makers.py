"""What the route matrix's rows call with: store A's ids, fresh objects where the owner's
call consumes them, and the extra checks of some successes."""

from __future__ import annotations

from typing import Any

import httpx

from chats.api.pages import STATIC
from chats.db.models import MailOutbox
from chats.mail.links import sign_mail_link
from tests.admin.pictures import picture
from tests.factories import PASSWORD, create_staff
from tests.security.matrix import Case, Req
from tests.security.world import (
    ADMIN_A,
    AGENT_A,
    GUEST_A,
    World,
    assigned_chat,
    open_session,
    unique,
)

PNG = picture(100, 120)


# -- request makers: store A's ids, fresh objects where the owner's call consumes them ------

async def conversation_a(case: Case) -> Req:
    return Req({"conversation_id": case.world.conversation_a})


async def conversation_a_transcript(case: Case) -> Req:
    # Issue 19: staff of the store mail the chat's transcript to a typed address.
    return Req({"conversation_id": case.world.conversation_a},
               json={"to": "transcript@example.com"})


async def guest_a(case: Case) -> Req:
    return Req({"guest_id": case.world.guests[GUEST_A].guest_id})


async def guest_a_notes(case: Case) -> Req:
    return Req({"guest_id": case.world.guests[GUEST_A].guest_id}, json={"notes": "常連さん"})


async def guest_a2_reply(case: Case) -> Req:
    # Guest A2 is not in a chat: an offline reply is for guests who are not.
    return Req({"guest_id": case.world.guests["guest_a2"].guest_id},
               json={"text": "お問い合わせありがとうございました"})


async def chat_file(case: Case) -> Req:
    return Req({"conversation_id": await assigned_chat(case.world)},
               files={"file": ("地図.png", picture(30, 20), "image/png")})


async def staff_a2(case: Case) -> Req:
    return Req({"staff_id": case.world.staff_a2_id}, json={"max_chats": 2})


async def new_staff(case: Case) -> Req:
    return Req(json={"login_id": unique("new-"), "password": "long-enough-pw"})


async def _post(case: Case, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
    r = await case.world.client(role).post(path, **kwargs)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def fresh_field(case: Case) -> Req:
    field = await _post(case, ADMIN_A, "/api/admin/fields", json={"label": unique("項目")})
    return Req({"field_id": field["id"]}, json={"label": "新しい名前"})


async def field_order(case: Case) -> Req:
    await fresh_field(case)
    fields = (await case.world.client(ADMIN_A).get("/api/admin/fields")).json()["fields"]
    return Req(json={"ids": [f["id"] for f in fields if not f["removed"]]})


async def _stamp(case: Case) -> str:
    stamp = await _post(case, ADMIN_A, "/api/admin/stamps",
                        files={"file": ("s.png", PNG, "image/png")},
                        data={"code": unique("s"), "label": "いいね"})
    return str(stamp["id"])


async def fresh_stamp(case: Case) -> Req:
    return Req({"stamp_id": await _stamp(case)})


async def stamp_off(case: Case) -> Req:
    return Req({"stamp_id": await _stamp(case)}, json={"active": False})


async def stamp_picture(case: Case) -> Req:
    return Req({"stamp_id": await _stamp(case)}, files={"file": ("t.png", PNG, "image/png")})


async def new_stamp(case: Case) -> Req:
    return Req(files={"file": ("s.png", PNG, "image/png")},
               data={"code": unique("n"), "label": "ありがとう"})


async def store_canned(case: Case) -> Req:
    row = await _post(case, ADMIN_A, "/api/canned-responses",
                      json={"scope": "store", "title": "営業時間", "text": "10時から"})
    return Req({"canned_id": row["id"]}, json={"title": "営業時間のご案内"})


async def agents_canned(case: Case) -> Req:
    row = await _post(case, AGENT_A, "/api/canned-responses",
                      json={"title": "挨拶", "text": "こんにちは"})
    return Req({"canned_id": row["id"]}, json={"title": "ご挨拶"})


async def failed_mail(case: Case) -> Req:
    async with case.world.database().write() as session:
        mail = MailOutbox(store_id=case.world.a.store_id, dedupe_key=unique("left:"),
                          to_addr="owner@example.com", subject="件名", body_text="本文",
                          message_id=f"<{unique('m')}@example.com>", status="failed")
        session.add(mail)
        await session.commit()
        return Req({"mail_id": mail.id})


async def mail_link(case: Case, *, key: str, guest: str) -> Req:
    world = case.world
    token = sign_mail_link(world.settings.secret_key, world.guests[guest].guest_id,
                           world.conversation_a, ttl_seconds=3600)
    return Req({"key": key}, json={"token": token})


async def link_a(case: Case) -> Req:
    return await mail_link(case, key=case.world.a.widget_key, guest=GUEST_A)


async def link_on_b(case: Case) -> Req:
    return await mail_link(case, key=case.world.b.widget_key, guest=GUEST_A)


async def link_other_guest(case: Case) -> Req:
    return await mail_link(case, key=case.world.a.widget_key, guest="guest_a2")


def _token(case: Case) -> str | None:
    guest = case.world.guests.get(case.role)
    return guest.token if guest else None


async def key_a(case: Case) -> Req:
    return Req({"key": case.world.a.widget_key})


async def unknown_key(_case: Case) -> Req:
    return Req({"key": "f" * 32})


async def postal_on_a(case: Case) -> Req:
    return Req({"key": case.world.a.widget_key}, params={"code": "100-0001"})


async def postal_on_unknown_key(_case: Case) -> Req:
    return Req({"key": "f" * 32}, params={"code": "100-0001"})


async def status_a(case: Case) -> Req:
    token = _token(case)
    return Req({"key": case.world.a.widget_key}, params={"token": token} if token else {})


async def status_post_a(case: Case) -> Req:
    return Req({"key": case.world.a.widget_key}, json={"token": _token(case)})


async def staff_a2_only(case: Case) -> Req:
    return Req({"staff_id": case.world.staff_a2_id})


async def visit_a(case: Case) -> Req:
    return Req({"key": case.world.a.widget_key},
               json={"token": _token(case), "url": "https://shop.example/menu"})


async def upload_a(case: Case) -> Req:
    return Req({"upload_id": case.world.upload_a})


async def unknown_upload(_case: Case) -> Req:
    return Req({"upload_id": "0" * 32})


async def wrong_login(case: Case) -> Req:
    return Req(json={"login_id": unique(f"nobody-{case.role}-"), "password": "wrong-pw-123"},
               isolated=True)


async def right_login(case: Case) -> Req:
    login_id = unique("login-")
    await create_staff(case.world.database(), store_id=case.world.a.store_id, login_id=login_id)
    return Req(json={"login_id": login_id, "password": PASSWORD}, isolated=True)


async def own_fresh_session(case: Case) -> Req:
    """Logout ends the caller's session: give it one of its own to end."""
    if case.role not in case.world.sessions:
        return Req()
    session = await open_session(case.world.url, case.world.sessions[case.role].login_id)
    return Req(session=(session.cookie, session.csrf))


async def sound_off(_case: Case) -> Req:
    return Req(json={"sound_enabled": False})


async def a_static_file(_case: Case) -> Req:
    first = min(p for p in STATIC.rglob("*") if p.is_file())
    return Req(suffix="/" + first.relative_to(STATIC).as_posix())


async def put_button(_case: Case) -> Req:
    return Req({"status": "away"}, files={"file": ("b.png", PNG, "image/png")})


async def away_button(_case: Case) -> Req:
    return Req({"status": "away"})


def simple_path(path_params: dict[str, str]) -> Any:
    async def make(_case: Case) -> Req:
        return Req(path_params)
    return make


def simple(json_body: Any = None, files: dict[str, Any] | None = None,
            params: dict[str, str] | None = None) -> Any:
    async def make(_case: Case) -> Req:
        return Req(json=json_body, files=files, params=params or {})
    return make


# -- extra checks on successes ---------------------------------------------------------------

def same_guest_only(response: httpx.Response, world: World, role: str) -> None:
    """A visit keeps the guest of this store's token; any other token gets a new guest."""
    token = response.json()["token"]
    if role == GUEST_A:
        assert token == world.guests[GUEST_A].token
    else:
        assert token not in {g.token for g in world.guests.values()}


def unread_of_own_guest(response: httpx.Response, world: World, role: str) -> None:
    """Only store A's own guest learns its unread count; a foreign token sees none."""
    unread = response.json()["unread"]
    assert (unread > 0) if role == GUEST_A else (unread == 0), (role, unread)


def linked_to_a(response: httpx.Response, world: World, role: str) -> None:
    assert response.json() == {"guest_id": world.guests[GUEST_A].guest_id,
                               "conversation_id": world.conversation_a}


async def fresh_guest_a(case: Case) -> Req:
    """A new guest of store A with a row (erasing it consumes it)."""
    from tests.factories import create_guest

    guest_id = await create_guest(case.world.database(), store_id=case.world.a.store_id,
                                  nickname="消される客")
    return Req({"guest_id": guest_id})
