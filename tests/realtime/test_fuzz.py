"""Thousands of malformed frames at both sockets: an error for each, the server stays healthy."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from chats.db.engine import Database
from tests.factories import PASSWORD, StoreInfo, create_store
from tests.servers import ThreadServer

GUEST_TYPES = ["hello", "form_shown", "start", "send", "typing", "read", "leave_message", "end"]
STAFF_TYPES = ["hello", "claim", "send", "read", "transfer", "end", "typing", "supervise",
               "watch", "unwatch", "intervene"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12,
)


def malformed(types: list[str]) -> st.SearchStrategy[str]:
    """Frames that are invalid for certain: bad JSON, non-objects, unknown types, extra keys."""
    unknown = st.text(min_size=1, max_size=12).filter(lambda t: t not in types)
    with_extra = st.builds(
        lambda t, body, junk: json.dumps({**body, "type": t, "\u00a7junk": junk}),
        st.sampled_from(types), st.dictionaries(st.text(max_size=10), json_values, max_size=5),
        json_values,
    )
    return st.one_of(
        st.text(max_size=200).filter(lambda s: not _is_json_object(s)),
        json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
        st.builds(lambda t, body: json.dumps({**body, "type": t}), unknown,
                  st.dictionaries(st.text(max_size=10), json_values, max_size=4)),
        with_extra,
        with_extra.map(lambda s: s[:-1]),
    )


def _is_json_object(s: str) -> bool:
    try:
        return isinstance(json.loads(s), dict)
    except ValueError:
        return False


def run_batch(url: str, hello: dict[str, Any], frames: list[str],
              headers: dict[str, str] | None = None) -> None:
    with connect(url, additional_headers=headers or {}, max_size=2**22,
                 origin=hello.pop("_origin", None)) as ws:
        ws.send(json.dumps(hello))
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
        for raw in frames:
            ws.send(raw)
            reply = json.loads(ws.recv(timeout=5))
            while reply["type"] != "error":  # state frames (queue, online…) may interleave
                reply = json.loads(ws.recv(timeout=5))
            assert reply["code"] in ("bad_frame", "too_large"), reply


def staff_cookie(server: ThreadServer, login_id: str) -> str:
    r = httpx.post(f"{server.url}/api/auth/login", json={"login_id": login_id,
                                                         "password": PASSWORD})
    return r.cookies["chats_session"]


async def test_fuzz_both_sockets(server: ThreadServer, db: Database) -> None:
    store: StoreInfo = await create_store(db)
    import asyncio

    await asyncio.to_thread(_fuzz, server, store)


def _fuzz(server: ThreadServer, store: StoreInfo) -> None:
    cookie = staff_cookie(server, store.admin_login)
    count = {"frames": 0}

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(guest_frames=st.lists(malformed(GUEST_TYPES), min_size=1, max_size=15),
           staff_frames=st.lists(malformed(STAFF_TYPES), min_size=1, max_size=15))
    def check(guest_frames: list[str], staff_frames: list[str]) -> None:
        run_batch(f"{server.ws_url}/ws/guest", {"type": "hello", "store": store.widget_key},
                  guest_frames)
        run_batch(f"{server.ws_url}/ws/staff", {"type": "hello", "_origin": server.url},
                  staff_frames, {"Cookie": f"chats_session={cookie}"})
        count["frames"] += len(guest_frames) + len(staff_frames)

    check()
    assert count["frames"] >= 1000
    assert httpx.get(f"{server.url}/healthz").status_code == 200
