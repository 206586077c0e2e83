"""Login storm (issue 13): many staff log in at once while guests chat, server on one core.

`python -m bench.login_storm` (`--staff 200 --guests 20 --rate 20 --quiet-s 10`):
one `chats serve` on SQLite, every thread pinned to CPU 0 once set up; the generator
on CPU 1, the logging-in browsers in a process of their own beside it. Guests and
their staff chat at `--rate` messages/s (half guest, half staff) through a quiet
span, then through the storm — every extra staff member's `POST /api/auth/login`
sent at once — and the guests' ack latency is compared. Passes when every login
answers 200, no socket is dropped and the guest ack p99 during the storm is
within 2× the quiet p99. Writes `bench/results/login-storm.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench import client, load, stack
from bench.client import Pair, Peer, Recorder, Run
from bench.proc import Meter, pin
from bench.run import GENERATOR_CPU, RESULTS
from bench.stats import summary

PING_INTERVAL, PING_TIMEOUT = 5.0, 20.0  # a guest gives a silent server 20 s, then drops


async def _create_staff(url: str, logins: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=300) as admin:
        r = await admin.post("/api/auth/login",
                             json={"login_id": "bench-admin", "password": stack.PASSWORD})
        r.raise_for_status()
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        sem = asyncio.Semaphore(4)

        async def create(login: str) -> None:
            async with sem:
                resp = await admin.post("/api/staff", headers=headers, json={
                    "login_id": login, "password": stack.PASSWORD, "name": login,
                    "role": "agent", "max_chats": 1})
                resp.raise_for_status()

        await asyncio.gather(*(create(login) for login in logins))


async def _guest(target: load.Target, run: Run) -> tuple[Peer, str]:
    ws = await connect(f"{target.guest_ws}/ws/guest", max_size=2**23, compression=None,
                       open_timeout=60, close_timeout=2, ping_interval=PING_INTERVAL,
                       ping_timeout=PING_TIMEOUT)
    peer = Peer(ws, "guest", run)
    welcome = peer.expect("welcome")
    await peer.send({"type": "hello", "store": target.widget_key})
    await asyncio.wait_for(welcome, 60)
    return peer, await client.start_chat(peer)


async def _chats(target: load.Target, guests: int) -> tuple[Run, list[Pair], list[Peer]]:
    run = Run()
    staff = [await client.connect_staff(target.staff_http, target.staff_ws, cookie, run)
             for cookie in target.staff_cookies[:load.staff_needed(guests)]]
    pairs = []
    for i in range(guests):
        peer, conv = await _guest(target, run)
        pair = Pair(conv, peer, staff[i // load.STAFF_CHATS])
        await client.claim(pair.staff, conv)
        pairs.append(pair)
    await asyncio.gather(*(asyncio.wait_for(p.guest.expect_seq(p.conv, 1), 60) for p in pairs))
    return run, pairs, staff


class _Timed(Recorder):
    """A recorder that also keeps when each guest ack's message was sent (where the tail is)."""

    def __init__(self) -> None:
        super().__init__()
        self.guest_acks: list[tuple[int, int]] = []  # (sent at, latency), ns

    def on_ack(self, frame: client.Frame, at: int) -> None:
        sent = self.sent.get(frame.get("client_msg_id") or "")
        fresh = sent is not None and frame.get("client_msg_id") not in self.acked
        super().on_ack(frame, at)
        if fresh and sent is not None and sent[1] == "guest":
            self.guest_acks.append((sent[2], at - sent[2]))


async def _talk(run: Run, pairs: list[Pair], rate: float, stop: asyncio.Event) -> _Timed:
    """Open-loop sends at `rate` (guest and staff alternately) until `stop`; then settle."""
    rec = _Timed()
    run.rec = rec
    t0, n = time.perf_counter(), 0
    while not stop.is_set():
        due = int(rate * (time.perf_counter() - t0)) + 1 - n
        for _ in range(max(0, due)):
            pair = pairs[(n // 2) % len(pairs)]
            try:
                await (run.send_guest(pair) if n % 2 == 0 else run.send_staff(pair))
            except ConnectionClosed:
                rec.errors["socket_closed"] += 1  # counted as dropped at the end
            n += 1
        await asyncio.sleep(0.005)
    deadline = time.perf_counter() + 30
    while not rec.settled() and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    return rec


async def _storm(url: str, logins: list[str]) -> dict[str, Any]:
    """The storm from a process of its own (see `storm_process`); its statuses and latencies."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bench.login_storm import storm_process; storm_process()",
        url, json.dumps(logins), stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the storm process failed ({proc.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result


def storm_process() -> None:
    """The 200 browsers logging in: a process of their own on the generator's CPU, at nice
    10, so that building 200 requests at once (≈1 ms of CPU each in httpx) does not stall
    the measuring client's event loop — the browsers of a real storm are other machines."""
    pin(GENERATOR_CPU)
    os.nice(10)
    url, logins = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(asyncio.run(_logins(url, logins))))


async def _logins(url: str, logins: list[str]) -> dict[str, Any]:
    """Every login at once, each its own client (cookie jar); statuses and latencies."""
    # One transport for all: a client of its own builds an SSL context (~10 ms of CPU),
    # which for 200 clients would stall the generator, not the server.
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=len(logins)))

    async def one(login: str) -> tuple[int, int]:
        t = time.perf_counter_ns()
        # Not closed one by one: closing a client closes the shared transport.
        c = httpx.AsyncClient(base_url=url, timeout=600, transport=transport)
        try:
            r = await c.post("/api/auth/login",
                             json={"login_id": login, "password": stack.PASSWORD})
            return r.status_code, time.perf_counter_ns() - t
        except httpx.HTTPError:
            return 0, time.perf_counter_ns() - t

    t0 = time.perf_counter()
    async with transport:
        answers = await asyncio.gather(*(one(login) for login in logins))
    return {"logins": len(logins), "seconds": round(time.perf_counter() - t0, 1),
            "statuses": dict(Counter(str(code) for code, _ in answers)),
            "latency_ms": summary([ns for _, ns in answers])}


def _slowest(rec: _Timed, since_ns: int) -> list[list[float]]:
    """The ten slowest guest acks: [seconds after `since_ns` the message was sent, ms]."""
    worst = sorted(rec.guest_acks, key=lambda a: a[1], reverse=True)[:10]
    return [[round((t - since_ns) / 1e9, 2), round(lat / 1e6, 1)] for t, lat in worst]


def _span(rec: _Timed, since_ns: int) -> dict[str, Any]:
    return {"slowest_guest_acks_s_ms": _slowest(rec, since_ns),
            "ack_guest_ms": summary(rec.latency["ack_guest"]),
            "ack_staff_ms": summary(rec.latency["ack_staff"]),
            "delivery_ms": summary([*rec.latency["guest_to_staff"],
                                    *rec.latency["staff_to_guest"]]),
            "sent": len(rec.sent), "acked": len(rec.acked), "errors": dict(rec.errors)}


async def _quiet(run: Run, pairs: list[Pair], rate: float, seconds: float) -> dict[str, Any]:
    stop = asyncio.Event()
    since = time.perf_counter_ns()
    talk = asyncio.create_task(_talk(run, pairs, rate, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return _span(await talk, since)


async def _stormy(st: stack.Stack, run: Run, pairs: list[Pair], rate: float,
                  logins: list[str]) -> dict[str, Any]:
    stop = asyncio.Event()
    talk = asyncio.create_task(_talk(run, pairs, rate, stop))
    meter = Meter(st.pids).start()
    since = time.perf_counter_ns()
    storm = await _storm(st.target().staff_http, logins)
    stop.set()
    return {**_span(await talk, since), "storm": storm, "server": meter.stop()}


def _verdict(quiet: dict[str, Any], stormy: dict[str, Any], dropped: int) -> dict[str, Any]:
    q99, s99 = quiet["ack_guest_ms"]["p99"], stormy["ack_guest_ms"]["p99"]
    statuses = stormy["storm"]["statuses"]
    return {"every_login_200": set(statuses) == {"200"}, "sockets_dropped": dropped,
            "ack_p99_ratio": round(s99 / q99, 2) if q99 and s99 else None,
            "passes": set(statuses) == {"200"} and dropped == 0 and bool(q99) and bool(s99)
            and s99 <= 2 * q99}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    pin(GENERATOR_CPU)
    st = await stack.make_stack("sqlite", load.staff_needed(args.guests))
    try:
        url = st.target().staff_http
        logins = [f"storm-{i}" for i in range(args.staff)]
        t = time.perf_counter()
        await _create_staff(url, logins)
        setup_s = round(time.perf_counter() - t, 1)
        run, pairs, staff = await _chats(st.target(), args.guests)
        pinned = {server.name: sorted(server.pin()) for server in st.servers}
        quiet = await _quiet(run, pairs, args.rate, args.quiet_s)
        stormy = await _stormy(st, run, pairs, args.rate, logins)
        dropped = sum(p.task.done() for p in [*staff, *(pair.guest for pair in pairs)])
        for peer in [*staff, *(pair.guest for pair in pairs)]:
            await peer.close()
        return {"config": vars(args), "pinned": pinned, "staff_setup_s": setup_s, "quiet": quiet,
                "storm": stormy, "verdict": _verdict(quiet, stormy, dropped)}
    finally:
        await stack.drop_stack(st)


def main(argv: list[str] | None = None) -> int:
    """Run the login storm and write its result."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--staff", type=int, default=200, help="staff logging in at once (200)")
    p.add_argument("--guests", type=int, default=20, help="chatting guests (20)")
    p.add_argument("--rate", type=float, default=20.0, help="messages/s of the chat (20)")
    p.add_argument("--quiet-s", type=float, default=10.0, help="seconds of the quiet span (10)")
    args = p.parse_args(argv)
    result = asyncio.run(main_async(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "login-storm.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"quiet": result["quiet"]["ack_guest_ms"],
                      "storm": result["storm"]["ack_guest_ms"],
                      "logins": result["storm"]["storm"], "verdict": result["verdict"]},
                     indent=2))
    return 0 if result["verdict"]["passes"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
