"""Hypothesis strategies for hostile sessions: valid-ish frames, junk, huge, deep, floods.

A session is one socket's life: frames before the hello, the hello, then actions. An
action is ("text", str), ("utf8", bytes) — a text frame whose bytes are not UTF-8 —,
("binary", bytes) or ("flood", str, n): the same text frame n times without reading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

Action = tuple[Any, ...]
GUEST_TYPES = ["hello", "form_shown", "start", "send", "typing", "read", "leave_message", "end"]
STAFF_TYPES = ["hello", "claim", "send", "read", "transfer", "end", "typing", "supervise",
               "watch", "unwatch", "intervene"]

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False) | st.text(max_size=40))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12,
)


@dataclass
class Session:
    """One socket's script."""

    socket: str  # "guest" or "staff"
    hello: dict[str, Any] | None  # None: never says hello
    before: list[Action] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def frame_count(self) -> int:
        """Frames this session sends, the hello and the closing sentinel included."""
        sent = sum(a[2] if a[0] == "flood" else 1 for a in self.before + self.actions)
        return sent + (self.hello is not None) + 1


def huge_text() -> st.SearchStrategy[str]:
    """Strings around the limits: 4,000 characters, and near the 64 KiB frame."""
    return st.one_of(
        st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "あ", "\u00e9", "😀"]),
                  st.sampled_from([3999, 4001, 15_000])),
        st.just(60_000).map(lambda n: "a" * n),  # built, not a constant: strategy reprs stay short
    )


def deep_json() -> st.SearchStrategy[str]:
    """Nested arrays or objects from 1 to 40,000 deep (Python recursion gives up near 1,000)."""
    def nest(depth: int, objects: bool) -> str:
        return '{"a":' * depth + "1" + "}" * depth if objects else "[" * depth + "]" * depth
    return st.builds(nest, st.one_of(st.integers(1, 12), st.integers(900, 40_000)),
                     st.booleans())


def frame_values(ids: list[str]) -> st.SearchStrategy[Any]:
    """A value for any field: plausible, public ids of others, wrong types, huge or deep."""
    return st.one_of(
        st.sampled_from(ids), st.uuids().map(str), st.text(max_size=20), json_values,
        st.integers(-1, 10**6), huge_text(),
    )


def guest_frame(ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Guest frames of every type with plausible fields, before mutation."""
    cid, text = st.sampled_from(ids), st.text(max_size=200)
    msg_id = st.uuids().map(str)
    return st.one_of(
        st.just({"type": "form_shown"}), st.just({"type": "end"}),
        st.builds(lambda n, flds: {"type": "start", "nickname": n, "fields": flds},
                  st.text(min_size=1, max_size=20), st.dictionaries(st.text(max_size=8),
                                                                     st.text(max_size=20))),
        st.builds(lambda m, t: {"type": "send", "client_msg_id": m, "text": t}, msg_id, text),
        st.builds(lambda t: {"type": "typing", "text": t}, text),
        st.builds(lambda c, s: {"type": "read", "conversation_id": c, "seq": s}, cid,
                  st.integers(0, 1000)),
        st.builds(lambda m, t: {"type": "leave_message", "client_msg_id": m,
                                "nickname": "x", "text": t}, msg_id, text),
        st.builds(lambda c: {"type": "hello", "store": "x", "resume": {
            "conversation_id": c, "after_seq": 0}}, cid),
    )


def staff_frame(ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Staff frames of every type naming ids of another store, before mutation."""
    cid, msg_id = st.sampled_from(ids), st.uuids().map(str)
    return st.one_of(
        st.builds(lambda c: {"type": "claim", "conversation_id": c}, cid),
        st.builds(lambda c: {"type": "end", "conversation_id": c}, cid),
        st.builds(lambda c, a: {"type": "typing", "conversation_id": c, "active": a}, cid,
                  st.booleans()),
        st.builds(lambda c, s: {"type": "read", "conversation_id": c, "seq": s}, cid,
                  st.integers(0, 1000)),
        st.builds(lambda c, to: {"type": "transfer", "conversation_id": c, "to_staff_id": to},
                  cid, st.sampled_from(ids)),
        st.builds(lambda c, m, t: {"type": "send", "conversation_id": c, "client_msg_id": m,
                                   "kind": "text", "text": t}, cid, msg_id,
                  st.text(max_size=200)),
        st.builds(lambda c: {"type": "send", "conversation_id": c, "client_msg_id": "s",
                             "kind": "stamp", "stamp": "nope"}, cid),
        st.builds(lambda c: {"type": "hello", "resume": {c: 0}}, cid),
        st.just({"type": "supervise"}),
        st.builds(lambda k, c: {"type": k, "conversation_id": c},
                  st.sampled_from(["watch", "unwatch"]), cid),
        st.builds(lambda c, a, to: {"type": "intervene", "conversation_id": c, "action": a,
                                    "to_staff_id": to},
                  cid, st.sampled_from(["take_over", "reassign", "release", "end"]),
                  st.sampled_from(ids)),
    )


@st.composite
def mutated(draw: st.DrawFn, frames: st.SearchStrategy[dict[str, Any]],
            values: st.SearchStrategy[Any], types: list[str]) -> str:
    """A frame as text, often changed: a field dropped, replaced, added, a wrong type."""
    frame = dict(draw(frames))
    how = draw(st.sampled_from(["keep", "drop", "replace", "extra", "type", "keep"]))
    keys = sorted(frame)
    if how == "drop" and len(keys) > 1:
        del frame[draw(st.sampled_from([k for k in keys if k != "type"] or keys))]
    elif how == "replace":
        frame[draw(st.sampled_from(keys))] = draw(values)
    elif how == "extra":
        frame[draw(st.text(min_size=1, max_size=10))] = draw(values)
    elif how == "type":
        frame["type"] = draw(st.one_of(st.text(max_size=12), st.sampled_from(types), scalars))
    return json.dumps(frame, ensure_ascii=draw(st.booleans()))


def junk_text() -> st.SearchStrategy[str]:
    """Text frames that are not a JSON object at all, or are cut short, or nest too deep."""
    return st.one_of(
        st.text(max_size=300), json_values.map(json.dumps), deep_json(),
        deep_json().map(lambda d: '{"type":"send","client_msg_id":"d","text":' + d + "}"),
        st.builds(lambda s, n: s[:n], json_values.map(json.dumps), st.integers(0, 30)),
        st.just(5000).map(lambda n: "9" * n),  # past Python's 4,300-digit integer limit
        st.sampled_from(["", "{}", "null", "[]", '{"type":null}', "1e999999", "9" * 500,
                         '{"type":"send","text":"\\ud800"}', '"\\u0000"']),
    )


def invalid_utf8() -> st.SearchStrategy[bytes]:
    """Bytes that are not UTF-8, some of them inside an otherwise plausible frame."""
    bad = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                           b"\xe2\x82"])
    return st.one_of(
        st.builds(lambda b: b'{"type":"send","client_msg_id":"u","text":"' + b + b'"}', bad),
        st.builds(lambda a, b: a + b, st.binary(max_size=40), bad),
    )


def actions(frames: st.SearchStrategy[str], valid: st.SearchStrategy[str]
            ) -> st.SearchStrategy[Action]:
    """One thing a hostile client does with its socket."""
    return st.one_of(
        frames.map(lambda t: ("text", t)),
        valid.map(lambda t: ("text", t)),
        junk_text().map(lambda t: ("text", t)),
        st.binary(max_size=200).map(lambda b: ("binary", b)),
        # Floods of frames that pass the models trip the rate limits; of others, the
        # abuse close.
        st.builds(lambda t, n: ("flood", t, n), valid, st.integers(20, 300)),
        st.builds(lambda t, n: ("flood", t, n), st.one_of(frames, junk_text()),
                  st.integers(20, 700)),
    )


def fatal() -> st.SearchStrategy[list[Action]]:
    """Often nothing; else a last frame that ends the socket: not UTF-8, or over 64 KiB."""
    return st.one_of(
        st.just([]), st.just([]), st.just([]),
        invalid_utf8().map(lambda b: [("utf8", b)]),
        st.sampled_from(["a", "あ"]).map(lambda ch: [("text", '{"type":"typing","text":"'
                                                      + ch * 70_000 + '"}')]),
    )


def sessions(guest_keys: list[str], ids: list[str]) -> st.SearchStrategy[Session]:
    """Guest sessions (the stores' widget keys) and staff sessions (another store)."""
    values = frame_values(ids)
    guest = mutated(guest_frame(ids), values, GUEST_TYPES)
    staff = mutated(staff_frame(ids), values, STAFF_TYPES)
    # A guest's frames that pass the models and have budgets of their own.
    guest_valid = st.sampled_from([
        {"type": "typing", "text": "..."}, {"type": "form_shown"},
        {"type": "start", "nickname": "flood"},
        {"type": "send", "client_msg_id": "flood", "text": "flood"},
    ]).map(json.dumps) | guest_frame(ids).map(json.dumps)
    staff_valid = staff_frame(ids).map(json.dumps)
    guest_hello = st.one_of(
        st.sampled_from(guest_keys).map(lambda k: {"type": "hello", "store": k}),
        st.builds(lambda k, c: {"type": "hello", "store": k,
                                "resume": {"conversation_id": c, "after_seq": 0}},
                  st.sampled_from(guest_keys), st.sampled_from(ids)),
        st.builds(lambda k, t: {"type": "hello", "store": k, "token": t},
                  st.sampled_from(guest_keys), st.text(max_size=40)),
        st.just({"type": "hello", "store": "no-such-store"}),
    )
    staff_hello = st.one_of(st.just({"type": "hello"}),
                            st.sampled_from(ids).map(lambda c: {"type": "hello",
                                                                "resume": {c: 0}}))

    def script(frames: st.SearchStrategy[str], valid: st.SearchStrategy[str]
               ) -> st.SearchStrategy[list[Action]]:
        return st.builds(lambda a, end: a + end,
                         st.lists(actions(frames, valid), max_size=25), fatal())

    # Most sessions say hello (some never do), after a few frames or none.
    return st.one_of(
        st.builds(Session, st.just("guest"), st.none() | guest_hello | guest_hello,
                  st.lists(actions(guest, guest_valid), max_size=3),
                  script(guest, guest_valid)),
        st.builds(Session, st.just("staff"), st.none() | staff_hello | staff_hello,
                  st.lists(actions(staff, staff_valid), max_size=3),
                  script(staff, staff_valid)),
    )
