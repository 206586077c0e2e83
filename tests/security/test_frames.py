"""Who may send which frame: every client frame type of both sockets × role (issue 12, item 2).

Each case gets a fresh chat in store A (guest X talking with agent A, a secret said on
each side) and sends one frame as one role, naming that chat's ids. Then a barrier (a
frame of unknown type, answered `bad_frame` in order) shows everything the frame caused.

How to add a row (a new frame type fails `test_every_frame_type_has_a_row` until you do):

    FrameRow("staff", "pin", {AGENT_A: SILENT, ADMIN_A: FORBIDDEN_F, ADMIN_B: NOT_FOUND_F},
             lambda s: {"type": "pin", "conversation_id": s.conversation})

- `socket` is "guest" or "staff"; `type` a member of GUEST_TYPES / STAFF_TYPES.
- `expect` names each role of GUEST_ROLES (guest socket: ANONYMOUS is a socket that has
  not said hello; GUEST_A is guest X, the chat's own guest; OTHER_GUEST_A another guest of
  store A; GUEST_B a guest of store B) or STAFF_ROLES (AGENT_A is the chat's assignee).
- Outcomes: `answer("ack")` / `answer("conversation")` (that frame comes back),
  `SILENT` (accepted, no error), `NOT_FOUND_F`, `FORBIDDEN_F`, `BEFORE_HELLO`,
  `OWN_ONLY` (a frame that names nothing: whatever it does, it does to the caller's own
  things — nothing of the chat reaches or leaves it).
- `frame` builds the frame from the Scene (`s.conversation`, `s.waiting`, `s.world`…);
  `check` may look further at what came back.
Any refusal also leaves the watched tables as they were, and no frame of a refused or
foreign call names the chat or carries its secrets or its staff member's name.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from chats.mail.links import sign_mail_link
from chats.realtime.frames import GUEST_TYPES, STAFF_TYPES
from tests.realtime.clients import Frame, Guest, Staff, WsClient
from tests.security.world import (
    ADMIN_A,
    ADMIN_B,
    AGENT_A,
    ANONYMOUS,
    GUEST_A,
    GUEST_B,
    STAFF_ROLES,
    World,
    fingerprint,
)

OTHER_GUEST_A = "other_guest_a"
GUEST_ROLES = (ANONYMOUS, GUEST_A, OTHER_GUEST_A, GUEST_B)
# Frames about the store as a whole, which any socket of it may get at any moment.
BACKGROUND = {"queue", "online", "availability", "settings_changed", "guest_updated",
              "hours"}  # hours: the store's business hours (issue 16)
BARRIER = "no-such-frame"  # answered bad_frame, naming it, after every earlier frame
_PAST_CHATS: set[str] = set()  # chats of finished cases (their last frames may come late)


@dataclass(frozen=True)
class FrameOutcome:
    """The answer a frame must get, or OWN_ONLY: anything, as long as it stays its own."""

    answer: str | None  # the frame type that must come back (None: none needed)
    code: str | None = None  # for errors
    own_only: bool = False

    @property
    def refused(self) -> bool:
        return self.answer == "error"


def answer(kind: str) -> FrameOutcome:
    return FrameOutcome(kind)


SILENT = FrameOutcome(None)
NOT_FOUND_F = FrameOutcome("error", "not_found")
FORBIDDEN_F = FrameOutcome("error", "forbidden")
BEFORE_HELLO = FrameOutcome("error", "bad_frame")
OWN_ONLY = FrameOutcome(None, own_only=True)
CONFLICT_F = FrameOutcome("error", "conflict")


@dataclass
class Scene:
    """A fresh chat of store A: guest X with agent A, each of whom said a secret."""

    world: World
    agent: Staff
    owner: Guest
    conversation: str
    secrets: list[str]
    waiting: str = ""  # another new guest's waiting chat (for claims)
    waiting_guest: Guest | None = None
    opened: list[WsClient] = field(default_factory=list)


@dataclass(frozen=True)
class FrameRow:
    socket: str  # "guest" or "staff"
    type: str
    expect: dict[str, FrameOutcome]
    frame: Callable[[Scene], Frame]
    label: str = ""
    check: Callable[[Scene, list[Frame], str], None] | None = None  # more, on the answer
    waiting: bool = False  # the scene needs a waiting chat too
    admin_online: bool = False  # admin A must be online (transfer target)

    @property
    def name(self) -> str:
        name = f"{self.socket} {self.type}"
        return f"{name} [{self.label}]" if self.label else name


def _assert_nothing_of(scene: Scene, got: list[Frame]) -> None:
    """No frame names the chat, carries its secrets or its staff member's name."""
    text = json.dumps(got, ensure_ascii=False)
    for secret in (scene.conversation, *scene.secrets, "佐藤"):
        assert secret not in text, f"{secret!r} reached a stranger: {text[:500]}"


def _token_honoured_by_its_store_only(scene: Scene, got: list[Frame], role: str) -> None:
    """A token is honoured only by its own store: another store's makes a new guest."""
    welcome = next(f for f in got if f["type"] == "welcome")
    world = scene.world
    own = {GUEST_A: scene.owner.guest_id, OTHER_GUEST_A: world.guests["guest_a2"].guest_id}
    if role in own:
        assert welcome["guest_id"] == own[role]
    else:
        assert welcome["guest_id"] not in {g.guest_id for g in world.guests.values()}
        assert welcome["guest_id"] != scene.owner.guest_id
        assert welcome["conversation"] is None



def _a_new_guest_of_b(scene: Scene, got: list[Frame], role: str) -> None:
    """Store B knows nothing of A's guest or chat, whoever brings it A's link."""
    welcome = next(f for f in got if f["type"] == "welcome")
    assert welcome["guest_id"] != scene.owner.guest_id
    assert welcome["conversation"] is None
    _assert_nothing_of(scene, got)


def _guest_rows() -> list[FrameRow]:
    strangers = {OTHER_GUEST_A: OWN_ONLY, GUEST_B: OWN_ONLY}
    refused = {OTHER_GUEST_A: NOT_FOUND_F, GUEST_B: NOT_FOUND_F}
    cid = "conversation_id"
    return [
        FrameRow("guest", "hello", {ANONYMOUS: NOT_FOUND_F, GUEST_A: answer("welcome"),
                                    **refused},
                 lambda s: {"type": "hello", "resume": {cid: s.conversation, "after_seq": 0}},
                 "resume"),
        FrameRow("guest", "hello", {ANONYMOUS: answer("welcome"), GUEST_A: answer("welcome"),
                                    OTHER_GUEST_A: answer("welcome"), GUEST_B: answer("welcome")},
                 lambda s: {"type": "hello"}, "each presents its own token",
                 check=_token_honoured_by_its_store_only),
        # Whoever holds guest X's e-mail link presents it to another store: a new guest.
        FrameRow("guest", "hello", dict.fromkeys(GUEST_ROLES, answer("welcome")),
                 lambda s: {"type": "hello", "store": s.world.b.widget_key,
                            "token": sign_mail_link(s.world.settings.secret_key,
                                                    s.owner.guest_id, s.conversation,
                                                    ttl_seconds=3600)},
                 "a mail link shown to another store", check=_a_new_guest_of_b),
        FrameRow("guest", "form_shown", {ANONYMOUS: BEFORE_HELLO, GUEST_A: SILENT, **strangers},
                 lambda s: {"type": "form_shown"}),
        # A guest with an open chat starting again keeps that chat.
        FrameRow("guest", "start", {ANONYMOUS: BEFORE_HELLO, GUEST_A: SILENT,
                                    **strangers},
                 lambda s: {"type": "start", "nickname": "見知らぬ人"}),
        FrameRow("guest", "send", {ANONYMOUS: BEFORE_HELLO, GUEST_A: answer("ack"), **strangers},
                 lambda s: {"type": "send", "client_msg_id": uuid.uuid4().hex, "text": "侵入"}),
        FrameRow("guest", "typing", {ANONYMOUS: BEFORE_HELLO, GUEST_A: SILENT, **strangers},
                 lambda s: {"type": "typing", "text": "侵入"}),
        FrameRow("guest", "read", {ANONYMOUS: BEFORE_HELLO, GUEST_A: SILENT, **refused},
                 lambda s: {"type": "read", cid: s.conversation, "seq": 2}),
        FrameRow("guest", "leave_message", {ANONYMOUS: BEFORE_HELLO, GUEST_A: answer("ack"),
                                            **strangers},
                 lambda s: {"type": "leave_message", "client_msg_id": uuid.uuid4().hex,
                            "nickname": "見知らぬ人", "text": "侵入"}),
        FrameRow("guest", "end", {ANONYMOUS: BEFORE_HELLO, GUEST_A: answer("conversation"),
                                  **strangers},
                 lambda s: {"type": "end"}),
        # Issue 19: the chat's own guest only; the scene's chat is still open, so even its
        # guest is refused.
        FrameRow("guest", "rate", {ANONYMOUS: BEFORE_HELLO, GUEST_A: CONFLICT_F, **refused},
                 lambda s: {"type": "rate", cid: s.conversation, "score": 5}),
        FrameRow("guest", "transcript", {ANONYMOUS: BEFORE_HELLO, GUEST_A: CONFLICT_F,
                                         **refused},
                 lambda s: {"type": "transcript", cid: s.conversation,
                            "email": "stranger@example.com"}),
    ]


def _staff_rows() -> list[FrameRow]:
    cid = "conversation_id"
    assignee_only = {ADMIN_A: FORBIDDEN_F, ADMIN_B: NOT_FOUND_F}
    return [
        FrameRow("staff", "hello", {AGENT_A: answer("welcome"), ADMIN_A: answer("welcome"),
                                    ADMIN_B: answer("welcome")},
                 lambda s: {"type": "hello", "resume": {s.conversation: 0}}, "resume"),
        FrameRow("staff", "claim", {AGENT_A: answer("conversation"),
                                    ADMIN_A: answer("conversation"), ADMIN_B: NOT_FOUND_F},
                 lambda s: {"type": "claim", cid: s.waiting}, waiting=True),
        FrameRow("staff", "send", {AGENT_A: answer("ack"), **assignee_only},
                 lambda s: {"type": "send", cid: s.conversation,
                            "client_msg_id": uuid.uuid4().hex, "kind": "text", "text": "侵入"}),
        FrameRow("staff", "read", {AGENT_A: SILENT, ADMIN_A: SILENT, ADMIN_B: NOT_FOUND_F},
                 lambda s: {"type": "read", cid: s.conversation, "seq": 2}),
        FrameRow("staff", "transfer", {AGENT_A: answer("conversation"), **assignee_only},
                 lambda s: {"type": "transfer", cid: s.conversation,
                            "to_staff_id": s.world.a.admin_id}, admin_online=True),
        FrameRow("staff", "transfer", {AGENT_A: NOT_FOUND_F, **assignee_only},
                 lambda s: {"type": "transfer", cid: s.conversation,
                            "to_staff_id": s.world.b.admin_id}, "to another store's admin"),
        FrameRow("staff", "end", {AGENT_A: answer("conversation"), **assignee_only},
                 lambda s: {"type": "end", cid: s.conversation}),
        FrameRow("staff", "typing", {AGENT_A: SILENT, **assignee_only},
                 lambda s: {"type": "typing", cid: s.conversation, "active": True}),
        *_supervisor_rows(),
    ]


def _supervisor_rows() -> list[FrameRow]:
    """Issue 14 item 3: admins only; another store's admin finds nothing of store A."""
    cid = "conversation_id"
    admins_only = {AGENT_A: FORBIDDEN_F, ADMIN_B: NOT_FOUND_F}

    def intervene(action: str, **more: str) -> Callable[[Scene], Frame]:
        return lambda s: {"type": "intervene", cid: s.conversation, "action": action, **more}

    return [
        # Store B's admin gets its own store's overview, with nothing of A in it.
        FrameRow("staff", "supervise", {AGENT_A: FORBIDDEN_F, ADMIN_A: answer("overview"),
                                        ADMIN_B: answer("overview")},
                 lambda s: {"type": "supervise"}),
        FrameRow("staff", "watch", {ADMIN_A: answer("watching"), **admins_only},
                 lambda s: {"type": "watch", cid: s.conversation}),
        # Leaving a channel one is not in changes nothing: never refused.
        FrameRow("staff", "unwatch", {AGENT_A: SILENT, ADMIN_A: SILENT, ADMIN_B: SILENT},
                 lambda s: {"type": "unwatch", cid: s.conversation}),
        FrameRow("staff", "intervene", {ADMIN_A: answer("conversation"), **admins_only},
                 intervene("take_over"), "take over"),
        FrameRow("staff", "intervene", {ADMIN_A: answer("conversation"), **admins_only},
                 lambda s: {"type": "intervene", cid: s.conversation, "action": "reassign",
                            "to_staff_id": s.world.a.admin_id}, "reassign", admin_online=True),
        FrameRow("staff", "intervene", {ADMIN_A: NOT_FOUND_F, **admins_only},
                 lambda s: {"type": "intervene", cid: s.conversation, "action": "reassign",
                            "to_staff_id": s.world.b.admin_id}, "reassign to another store"),
        FrameRow("staff", "intervene", {ADMIN_A: SILENT, **admins_only},
                 intervene("release"), "return to the queue"),
        FrameRow("staff", "intervene", {ADMIN_A: SILENT, **admins_only},
                 intervene("end"), "end"),
    ]


FRAME_ROWS = _guest_rows() + _staff_rows()
CASES = [(row, role) for row in FRAME_ROWS for role in row.expect]


def test_every_frame_type_has_a_row() -> None:
    """A client frame type without a row, or a row of a type that is gone, fails by name."""
    for socket, types, roles in (("guest", GUEST_TYPES, GUEST_ROLES),
                                 ("staff", STAFF_TYPES, STAFF_ROLES)):
        rows = [r for r in FRAME_ROWS if r.socket == socket]
        missing = sorted(types - {r.type for r in rows})
        stale = sorted({r.type for r in rows} - types)
        assert (missing, stale) == ([], []), (
            f"{socket} frame types with no row in {__name__}: {missing}; "
            f"rows of {socket} frame types that are gone: {stale}")
        for row in rows:
            assert set(row.expect) == set(roles), row.name


@pytest.mark.asyncio(loop_scope="package")
@pytest.mark.parametrize(("row", "role"), CASES,
                         ids=[f"{row.name} | {role}" for row, role in CASES])
async def test_frame_matrix(world: World, agent: Staff, row: FrameRow, role: str,
                            server_errors: Callable[[], list[str]]) -> None:
    scene = await _scene(world, agent, row)
    try:
        await _run(scene, row, role)
    finally:
        await _end_chats(scene)
        for socket in scene.opened:
            await socket.close()
    assert server_errors() == []


async def _end_chats(scene: Scene) -> None:
    """End the scene's chats, so agent A never runs out of room for the next ones."""
    from chats.db.models import Conversation

    ids = [i for i in (scene.conversation, scene.waiting) if i]
    _PAST_CHATS.update(ids)
    async with scene.world.database().read() as session:
        rows = [await session.get(Conversation, i, populate_existing=True) for i in ids]
    for row in rows:
        if row is not None and row.status != "ended":
            guest = scene.owner if row.id == scene.conversation else scene.waiting_guest
            assert guest is not None
            await guest.send({"type": "end"})
            await guest.expect("conversation", _ended(row.id))


def _said(conversation_id: str, text: str) -> Callable[[Frame], bool]:
    return lambda f: f["conversation_id"] == conversation_id and f["text"] == text


def _ended(conversation_id: str) -> Callable[[Frame], bool]:
    return lambda f: f["id"] == conversation_id and f["status"] == "ended"


@pytest_asyncio.fixture(scope="module", loop_scope="package")
async def agent(world: World) -> AsyncIterator[Staff]:
    """Agent A, online for the whole module: it takes every scene's chat."""
    socket = await _staff(world, AGENT_A)
    yield socket
    await socket.close()


async def _scene(world: World, agent: Staff, row: FrameRow) -> Scene:
    owner = await Guest.connect(world.ws_url, world.a.widget_key)
    conversation = (await owner.start("ゲストX"))["id"]
    await agent.claim(conversation)
    secrets = [f"ゲストの秘密 {uuid.uuid4().hex}", f"店の秘密 {uuid.uuid4().hex}"]
    await owner.say(secrets[0])
    await agent.say(conversation, secrets[1])
    for side in (owner, agent):  # both have every message (seq 3: the agent's secret)
        await side.expect("message", _said(conversation, secrets[1]))
    scene = Scene(world, agent, owner, conversation, secrets, opened=[owner])
    if row.waiting:
        scene.waiting_guest = await Guest.connect(world.ws_url, world.a.widget_key)
        scene.opened.append(scene.waiting_guest)
        scene.waiting = (await scene.waiting_guest.start("待つ人"))["id"]
    if row.admin_online:
        scene.opened.append(await _staff(world, ADMIN_A))
    for side in (owner, agent):  # whatever the setup caused has arrived before the case
        await _until_barrier(side, len(side.frames))
    return scene


async def _staff(world: World, role: str) -> Staff:
    return await Staff.connect(world.url, world.ws_url, "", cookie=world.sessions[role].cookie)


async def _actor(scene: Scene, row: FrameRow, role: str) -> WsClient:
    """The role's socket: said hello already, except for the hello rows and ANONYMOUS."""
    world = scene.world
    if row.socket == "staff":
        if role == AGENT_A and row.type != "hello":
            return scene.agent
        if row.type == "hello":
            ws = await connect(f"{world.ws_url}/ws/staff", origin=world.url,  # type: ignore[arg-type]
                               additional_headers={
                                   "Cookie": f"chats_session={world.sessions[role].cookie}"})
            client = WsClient(ws)
        else:
            client = await _staff(world, role)
    elif role == GUEST_A and row.type != "hello":
        return scene.owner
    elif row.type == "hello" or role == ANONYMOUS:
        client = WsClient(await connect(f"{world.ws_url}/ws/guest"))
    else:
        key = world.b.widget_key if role == GUEST_B else world.a.widget_key
        client = await Guest.connect(world.ws_url, key)  # a fresh stranger
    scene.opened.append(client)
    return client


def _hello(scene: Scene, row: FrameRow, role: str) -> Frame:
    """A guest hello: the role's store key, and its own token when it has one."""
    world = scene.world
    frame = row.frame(scene)
    if "store" in frame:
        return frame
    frame["store"] = world.b.widget_key if role == GUEST_B and row.label == "resume" \
        else world.a.widget_key
    token = {GUEST_A: scene.owner.token, OTHER_GUEST_A: world.guests["guest_a2"].token,
             GUEST_B: world.guests[GUEST_B].token}.get(role)
    if token:
        frame["token"] = token
    return frame


async def _run(scene: Scene, row: FrameRow, role: str) -> None:
    expected = row.expect[role]
    actor = await _actor(scene, row, role)
    frame = _hello(scene, row, role) if row.socket == "guest" and row.type == "hello" \
        else row.frame(scene)
    db = scene.world.database()
    before = await fingerprint(db)
    chat_before = await _chat_state(scene)
    start = len(actor.frames)
    marks = {id(o): len(o.frames) for o in (scene.owner, scene.agent)}
    await actor.send(frame)
    got = await _until_barrier(actor, start, extra_bad=expected.code == "bad_frame")
    if expected.refused and row.type != "hello":  # a hello may make its guest
        assert await fingerprint(db) == before, "a refused frame changed stored data"
    stranger = role in (ANONYMOUS, OTHER_GUEST_A, GUEST_B, ADMIN_B)
    if stranger or expected.refused:
        assert await _chat_state(scene) == chat_before, "the chat changed"
    if expected.answer and not expected.refused:
        # An answer through the broker (claim, transfer, end) may come after the barrier.
        got = await _until_kind(actor, start, expected.answer)
    got = await _not_its_own(scene, role, _about_this_scene(scene, got))
    _assert_answer(got, expected, row, role)
    if stranger:
        _assert_nothing_of(scene, got)
    if stranger or expected.refused:
        await _observers_saw_nothing(scene, actor, marks)
    if row.check is not None:
        row.check(scene, got, role)


def _assert_answer(got: list[Frame], expected: FrameOutcome, row: FrameRow, role: str) -> None:
    kinds = [f["type"] for f in got]
    errors = [f for f in got if f["type"] == "error"]
    if expected.own_only:
        return
    if expected.refused:
        assert [e["code"] for e in errors] == [expected.code], (row.name, role, got)
        allowed = BACKGROUND | {"error", "welcome"}
        assert set(kinds) <= allowed, (row.name, role, kinds)
        return
    assert not errors, (row.name, role, errors)
    if expected.answer is not None:
        assert expected.answer in kinds, (row.name, role, kinds)


async def _observers_saw_nothing(scene: Scene, actor: WsClient, marks: dict[int, int]
                                 ) -> None:
    """Neither side of the chat heard of the stranger's (or refused) frame.

    What a frame causes for others travels through the broker, so the fence is a frame
    through the broker too: each side's typing, sent now, reaches the other after it.
    """
    fence = f"fence {uuid.uuid4().hex}"
    await scene.owner.send({"type": "typing", "text": fence})
    await scene.agent.send({"type": "typing", "conversation_id": scene.conversation,
                            "active": False})  # unlike any typing a case sends
    fences = {id(scene.agent): lambda f: f.get("text") == fence,
              id(scene.owner): lambda f: f.get("conversation_id") == scene.conversation
              and f.get("active") is False}
    for observer in (scene.owner, scene.agent):
        if observer is actor:
            continue
        last = await observer.expect("typing", fences[id(observer)])
        got = observer.frames[marks[id(observer)]:observer.frames.index(last)]
        heard = [f for f in _about_this_scene(scene, got)
                 if f["type"] in ("message", "typing", "read")
                 or "侵入" in json.dumps(f, ensure_ascii=False)]
        assert not heard, heard


async def _until_barrier(client: WsClient, start: int, *, extra_bad: bool = False
                         ) -> list[Frame]:
    """Every frame since `start`, up to the answer to a frame of unknown type sent now."""
    await client.send({"type": BARRIER})
    needed = 2 if extra_bad else 1
    while True:
        got = client.frames[start:]
        bad = [i for i, f in enumerate(got)
               if f["type"] == "error" and f["code"] == "bad_frame"]
        if len(bad) >= needed:
            return got[:bad[-1]]
        await client.recv()


async def _chat_state(scene: Scene) -> tuple[Any, ...]:
    """The chat's status, sequence and read cursors (what a stranger must not move)."""
    from chats.db.models import Conversation

    async with scene.world.database().read() as session:
        c = await session.get(Conversation, scene.conversation, populate_existing=True)
        assert c is not None
        return (c.status, c.staff_id, c.last_seq, c.guest_read_seq, c.staff_read_seq)


def _about_this_scene(scene: Scene, got: list[Frame]) -> list[Frame]:
    """Leaves out late frames about earlier cases' chats (agent A's socket outlives them)."""

    def earlier(f: Frame) -> bool:
        named = f.get("conversation_id") or (f.get("id") if f["type"] == "conversation"
                                             else None)
        return named in _PAST_CHATS

    return [f for f in got if not earlier(f)]


async def _not_its_own(scene: Scene, role: str, got: list[Frame]) -> list[Frame]:
    """Leaves out messages of the actor's own chats: a guest's hello replays them.

    guest_a2 may hold an offline reply (the route matrix sends one, and the package's
    world is shared), which its own hello rightly back-fills whatever else it asked.
    """
    from sqlalchemy import select

    from chats.db.models import Conversation

    world = scene.world
    guest = {GUEST_A: scene.owner.guest_id, OTHER_GUEST_A: world.guests["guest_a2"].guest_id,
             GUEST_B: world.guests[GUEST_B].guest_id}.get(role)
    if guest is None:
        return got
    async with world.database().read() as session:
        own = set((await session.scalars(
            select(Conversation.id).where(Conversation.guest_id == guest))).all())
    own.discard(scene.conversation)
    return [f for f in got if not (f["type"] == "message" and f.get("conversation_id") in own)]


async def _until_kind(client: WsClient, start: int, kind: str) -> list[Frame]:
    """Every frame since `start`, once one of `kind` is among them (5 s at most)."""
    while kind not in {f["type"] for f in client.frames[start:]}:
        await client.recv()
    return [f for f in client.frames[start:] if not _is_barrier(f)]


def _is_barrier(f: Frame) -> bool:
    return f["type"] == "error" and BARRIER in f["message"]
