"""Does delivery slow chats? (issue 17 item 3): 1,000 chats without and with a webhook.

`python -m bench.webhooks` (`--chats 1000 --rate 100 --seconds 20 --warmup-s 2`):
one `chats serve` on SQLite (CHATS_WEBHOOKS_ALLOW_PRIVATE=true, so an endpoint on
127.0.0.1 is allowed), pinned to CPU 0 once its chats are open; the generator on
CPU 1, and in it a real HTTP receiver on 127.0.0.1 (asyncio streams, HTTP/1.1
keep-alive) that answers 200 at once, checks each signature with the Standard
Webhooks library and notes, per delivery, its arrival time and the message id of
the payload.

The chats are opened once, then the same load (open loop, half guest and half
staff messages, round-robin over the chats) runs twice on the same server:

- run A: the store has no webhook endpoint;
- run B: one endpoint subscribed to `message.created`, registered through the
  admin API (`POST /api/admin/webhooks`) just before the run.

Measured for both runs: the guests' and the staff's send → ack latency
(p50 / p99 / max) over the span after the warm-up, and the server's CPU. For
run B: the delivery lag of each message sent in the span — its ack's arrival
at the generator → the webhook's arrival at the receiver, both on this
process's CLOCK_MONOTONIC — p50 / p99 / max; after the load the receiver is
given up to `--drain-s` seconds, then every message acked in run B (warm-up
included) must have arrived at least once (missing ones and repeats counted).

Passes when the ack p99 with the webhook is within 1.5× of the ack p99 without
it, for the guests' sends and for the staff's each, every message acked in
run B was delivered at least once, and every signature verified.
`--profile-s N` adds a third pass of N seconds with the webhook under py-spy
(after the measured ones) and its summary to the result. Writes
`bench/results/webhooks.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook as Verifier

from bench import load, profile, stack
from bench.client import Frame, Recorder, now_ns
from bench.load import Population
from bench.proc import Meter, machine, pin
from bench.run import GENERATOR_CPU, RESULTS
from bench.scenarios import GeneratorMeter
from bench.stats import ratio, summary

P99_LIMIT = 1.5  # ack p99 with the webhook ÷ without it


@dataclass
class HookRecorder(Recorder):
    """A recorder that also notes, per acked message id, when its ack arrived."""

    ack_at: dict[str, tuple[int, str]] = field(default_factory=dict)  # message id → at, cmid

    def on_ack(self, frame: Frame, at: int) -> None:
        cmid, message_id = frame.get("client_msg_id"), frame.get("message_id")
        if cmid in self.sent and message_id and message_id not in self.ack_at:
            self.ack_at[str(message_id)] = (at, str(cmid))
        super().on_ack(frame, at)


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: answers 200 at once, notes each delivery's arrival."""

    secret: str = ""
    arrivals: dict[str, list[int]] = field(default_factory=dict)  # message id → arrival times
    requests: int = 0
    bad_signature: int = 0
    not_message: Counter[str] = field(default_factory=Counter)  # other events, bad bodies
    connections: int = 0
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self._note(headers, body, now_ns())
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    def _note(self, headers: dict[str, str], body: bytes, at: int) -> None:
        self.requests += 1
        try:
            payload = Verifier(self.secret).verify(body, headers)
        except Exception:
            self.bad_signature += 1
            return
        if not isinstance(payload, dict) or payload.get("type") != "message.created":
            self.not_message[str(payload.get("type") if isinstance(payload, dict) else None)] += 1
            return
        message_id = str(payload["data"]["message"]["id"])
        self.arrivals.setdefault(message_id, []).append(at)


@contextlib.asynccontextmanager
async def _admin(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The store's admin, logged in, with its CSRF header."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as admin:
        r = await admin.post("/api/auth/login",
                             json={"login_id": "bench-admin", "password": stack.PASSWORD})
        r.raise_for_status()
        admin.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield admin


async def _add_endpoint(url: str, receiver: Receiver) -> str:
    """Register the receiver for `message.created`; its id (the secret goes to the receiver)."""
    async with _admin(url) as admin:
        r = await admin.post("/api/admin/webhooks",
                             json={"url": receiver.url, "events": ["message.created"]})
        r.raise_for_status()
        receiver.secret = r.json()["secret"]
        return str(r.json()["id"])


async def _delivery_log(url: str, hook_id: str) -> dict[str, int]:
    """The statuses of the endpoint's latest deliveries, as the admin menu lists them."""
    async with _admin(url) as admin:
        r = await admin.get(f"/api/admin/webhooks/{hook_id}/deliveries")
        r.raise_for_status()
        return dict(Counter(str(d["status"]) for d in r.json()["deliveries"]))


async def _run(st: stack.Stack, pop: Population, args: argparse.Namespace) -> tuple[
        dict[str, Any], HookRecorder]:
    rec = HookRecorder()
    meter = Meter(st.pids).start()
    gen = GeneratorMeter()
    out = await load.drive(pop, args.rate, args.seconds, warmup_s=args.warmup_s, rec=rec)
    out["server"] = meter.stop()
    out["generator_cpu_pct"] = gen.pct()
    return out, rec


async def _profile(pid: int, pop: Population, args: argparse.Namespace) -> dict[str, Any]:
    """A further pass with the webhook under py-spy: where the server's CPU goes."""
    path = RESULTS / "profiles" / "sqlite-webhooks.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    task = asyncio.create_task(profile.record(pid, args.profile_s, path))
    await load.drive(pop, args.rate, args.profile_s, warmup_s=0)
    found = await task
    return profile.summarise(found, top=25) if found is not None else {}


def _acks(out: dict[str, Any]) -> dict[str, Any]:
    lat = out["latency_ms"]
    return {"ack_guest_ms": lat["ack_guest"], "ack_staff_ms": lat["ack_staff"],
            "delivery_to_peer_ms": lat["delivery"], "offered_per_s": out["offered_per_s"],
            "acked_per_s": out["acked_per_s"], "sent": out["sent"], "acked": out["acked"],
            "lost": out["lost"], "duplicated": out["duplicated"], "errors": out["errors"],
            "seq_gaps": out["seq_gaps"], "seq_repeats": out["seq_repeats"],
            "generator_lag_s": out["generator_lag_s"],
            "server_cpu_pct": out["server"]["processes"][0]["cpu_pct"],
            "server_peak_rss_mib": out["server"]["peak_rss_mib"],
            "machine": out["server"]["machine"], "generator_cpu_pct": out["generator_cpu_pct"]}


async def _drain(receiver: Receiver, rec: HookRecorder, seconds: float) -> float:
    """Wait until every acked message has arrived at the receiver (or `seconds` pass)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        if all(mid in receiver.arrivals for mid in rec.ack_at):
            break
        await asyncio.sleep(0.05)
    return round(time.perf_counter() - t0, 2)


def _deliveries(receiver: Receiver, rec: HookRecorder, drain_s: float) -> dict[str, Any]:
    lag, lag_all = [], []
    for mid, (acked_at, cmid) in rec.ack_at.items():
        times = receiver.arrivals.get(mid)
        if not times:
            continue
        lag_all.append(times[0] - acked_at)
        if rec.window[0] <= rec.sent[cmid][2] < rec.window[1]:
            lag.append(times[0] - acked_at)
    acked = set(rec.ack_at)
    return {
        "lag_ms": summary(lag), "lag_all_ms": summary(lag_all),
        "messages_acked": len(acked),
        "messages_delivered": len(acked & set(receiver.arrivals)),
        "missing": len(acked - set(receiver.arrivals)),
        "duplicates": sum(len(receiver.arrivals[m]) - 1 for m in acked & set(receiver.arrivals)),
        "other_messages": len(set(receiver.arrivals) - acked),
        "requests": receiver.requests, "bad_signature": receiver.bad_signature,
        "not_message_created": dict(receiver.not_message),
        "connections": receiver.connections, "drain_s": drain_s,
    }


def _verdict(a: dict[str, Any], b: dict[str, Any], hooks: dict[str, Any]) -> dict[str, Any]:
    guest = ratio(b["ack_guest_ms"]["p99"], a["ack_guest_ms"]["p99"])
    staff = ratio(b["ack_staff_ms"]["p99"], a["ack_staff_ms"]["p99"])
    within = guest is not None and staff is not None and max(guest, staff) <= P99_LIMIT
    return {"criterion": f"ack p99 with the webhook within {P99_LIMIT}x of without "
                         "(guest and staff sends each); every message delivered at least once; "
                         "every signature verified",
            "ack_p99_ratio_guest": guest, "ack_p99_ratio_staff": staff,
            "ack_p99_within": within, "all_delivered": hooks["missing"] == 0,
            "passes": within and hooks["missing"] == 0 and hooks["bad_signature"] == 0}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    pinned = pin(GENERATOR_CPU)
    loadavg_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    started = time.perf_counter()
    receiver = await Receiver().start()
    st = await stack.make_stack("sqlite", load.staff_needed(args.chats),
                                env={"CHATS_WEBHOOKS_ALLOW_PRIVATE": "true"})
    try:
        pop = await load.populate(st.target(), args.chats, batch=20, concurrency=20)
        server = st.guest_server
        assert server is not None
        server_cpus = sorted(server.pin())
        out_a, _ = await _run(st, pop, args)
        hook_id = await _add_endpoint(server.url, receiver)
        out_b, rec_b = await _run(st, pop, args)
        drain_s = await _drain(receiver, rec_b, args.drain_s)
        hooks = _deliveries(receiver, rec_b, drain_s)
        hooks["log_statuses_latest_page"] = await _delivery_log(server.url, hook_id)
        prof = await _profile(server.pid, pop, args) if args.profile_s > 0 else {}
        check = load.tail_check(pop)
        await pop.close()
    finally:
        await stack.drop_stack(st)
        await receiver.stop()
    a, b = _acks(out_a), _acks(out_b)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "config": {**vars(args), "out": str(args.out)}, "machine": machine(),
        "loadavg_start": loadavg_start,
        "loadavg_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "pinning": {"generator_and_receiver": sorted(pinned), "server": server_cpus},
        "setup_s": pop.setup_s, "run_s": round(time.perf_counter() - started, 1),
        "without_webhook": a, "with_webhook": b, "deliveries": hooks, "tail_check": check,
        "verdict": _verdict(a, b, hooks), "profile_with_webhook": prof,
    }


def main(argv: list[str] | None = None) -> int:
    """Run both loads and write their result."""
    p = argparse.ArgumentParser(prog="python -m bench.webhooks",
                                description=(__doc__ or "").splitlines()[0])
    p.add_argument("--chats", type=int, default=1000, help="concurrent conversations (1000)")
    p.add_argument("--rate", type=float, default=100.0, help="messages/s (100)")
    p.add_argument("--seconds", type=float, default=20.0,
                   help="measured seconds of each run, after the warm-up (20)")
    p.add_argument("--warmup-s", type=float, default=2.0, help="warm-up of each run (2)")
    p.add_argument("--drain-s", type=float, default=120.0,
                   help="how long the receiver may wait for the last deliveries (120)")
    p.add_argument("--profile-s", type=float, default=0.0,
                   help="then this many seconds more with the webhook under py-spy (0: none)")
    p.add_argument("--out", type=Path, default=RESULTS / "webhooks.json", help="results file")
    args = p.parse_args(argv)
    result = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    keys = ("ack_guest_ms", "ack_staff_ms", "server_cpu_pct", "acked_per_s")
    print(json.dumps({
        "loadavg_start": result["loadavg_start"],
        "without_webhook": {k: result["without_webhook"][k] for k in keys},
        "with_webhook": {k: result["with_webhook"][k] for k in keys},
        "deliveries": {k: v for k, v in result["deliveries"].items() if k != "lag_all_ms"},
        "verdict": result["verdict"]}, indent=2))
    return 0 if result["verdict"]["passes"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
