"""The chat load: N conversations claimed by staff, messages from both sides at a set rate."""

from __future__ import annotations

import asyncio
import gc
import math
import time
from dataclasses import dataclass, field
from typing import Any

from bench import client
from bench.client import Pair, Peer, Recorder, Run
from bench.stats import summary

STAFF_CHATS = 9  # protocol S7: a staff member handles at most 9 chats


@dataclass
class Target:
    """Where the load goes: guests to one server, staff to another (or the same)."""

    guest_http: str
    guest_ws: str
    staff_http: str
    staff_ws: str
    widget_key: str
    staff_cookies: list[str]


@dataclass
class Population:
    """The open sockets of a load."""

    run: Run
    pairs: list[Pair] = field(default_factory=list)
    staff: list[Peer] = field(default_factory=list)
    setup_s: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    claim_retries: int = 0

    async def close(self) -> None:
        peers = [*self.staff, *(p.guest for p in self.pairs)]
        for i in range(0, len(peers), 200):
            await asyncio.gather(*(p.close() for p in peers[i:i + 200]))


async def _claim_all(pairs: list[Pair]) -> int:
    """One staff member claims its conversations one after another."""
    retries = 0
    for pair in pairs:
        retries += await client.claim(pair.staff, pair.conv)
    return retries


def staff_needed(chats: int) -> int:
    return max(1, math.ceil(chats / STAFF_CHATS))


async def _bounded(coros: list[Any], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return list(await asyncio.gather(*(one(c) for c in coros)))


async def populate(target: Target, chats: int, *, batch: int = 100,
                   concurrency: int = 50) -> Population:
    """Staff online first, then guests `hello` + `start` in batches, each batch claimed at once.

    Claiming batch by batch keeps the waiting queue short: every change to it sends
    the whole list to every staff socket (protocol §5), which is O(queue × staff).
    """
    started = time.perf_counter()
    run = Run()
    pop = Population(run)
    cookies = target.staff_cookies[:staff_needed(chats)]
    pop.staff = await _bounded([client.connect_staff(target.staff_http, target.staff_ws, c, run)
                                for c in cookies], concurrency)

    async def guest() -> tuple[Peer, str, str]:
        peer, welcome = await client.connect_guest(target.guest_ws, target.widget_key, run)
        return peer, await client.start_chat(peer), str(welcome["token"])

    phases = {"staff": time.perf_counter() - started, "guests": 0.0, "claims": 0.0}
    for first in range(0, chats, batch):
        size = min(batch, chats - first)
        t = time.perf_counter()
        guests = await _bounded([guest() for _ in range(size)], concurrency)
        phases["guests"] += time.perf_counter() - t
        new = [Pair(conv, peer, pop.staff[(first + i) // STAFF_CHATS], token)
               for i, (peer, conv, token) in enumerate(guests)]
        t = time.perf_counter()
        by_staff: dict[int, list[Pair]] = {}
        for p in new:
            by_staff.setdefault(id(p.staff), []).append(p)
        retries = await asyncio.gather(*(_claim_all(group) for group in by_staff.values()))
        pop.claim_retries += sum(retries)
        phases["claims"] += time.perf_counter() - t
        pop.pairs.extend(new)
    pop.phases = {k: round(v, 1) for k, v in phases.items()}
    # Every guest has seen the `claimed` system message before the load starts.
    await asyncio.gather(*(asyncio.wait_for(p.guest.expect_seq(p.conv, 1), 60)
                           for p in pop.pairs))
    pop.setup_s = round(time.perf_counter() - started, 1)
    return pop


async def drive(pop: Population, rate: float, seconds: float, *, warmup_s: float = 1.0,
                settle_s: float = 15.0, rec: Recorder | None = None) -> dict[str, Any]:
    """Send `rate` messages/s (half from guests, half from staff) for `seconds`; then settle.

    Open loop: sends follow the clock, not the answers, so a slow server shows as
    latency instead of a slower offered rate (no coordinated omission). `rec`: a
    recorder of the caller's (a subclass that notes more), else a fresh one.
    """
    run = pop.run
    rec = run.rec = rec or Recorder()
    # A full collection over thousands of sockets stalls the generator for tens of ms,
    # which would show as server latency: no collections while measuring.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return await _drive(pop, rec, rate, seconds, warmup_s, settle_s)
    finally:
        gc.enable()


async def _drive(pop: Population, rec: Recorder, rate: float, seconds: float,
                 warmup_s: float, settle_s: float) -> dict[str, Any]:
    run, pairs = pop.run, pop.pairs
    t0 = time.perf_counter()
    seconds += warmup_s
    rec.window = (time.perf_counter_ns() + int(warmup_s * 1e9), 2**63)
    n = 0
    behind = 0.0
    while True:
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            break
        due = int(rate * elapsed) + 1 - n
        for _ in range(max(0, due)):
            pair = pairs[(n // 2) % len(pairs)]
            if n % 2 == 0:
                await run.send_guest(pair)
            else:
                await run.send_staff(pair)
            n += 1
        behind = max(behind, due / rate if rate else 0.0)
        await asyncio.sleep(0.002)
    send_s = time.perf_counter() - t0 - warmup_s
    rec.window = (rec.window[0], time.perf_counter_ns())
    deadline = time.perf_counter() + settle_s
    while not rec.settled() and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    return result(rec, run, offered=rate, seconds=send_s, sent=n,
                  generator_lag_s=round(behind, 3))


def result(rec: Recorder, run: Run, *, offered: float, seconds: float, sent: int,
           generator_lag_s: float) -> dict[str, Any]:
    """Latency summaries, throughput, loss and duplicates of one measured span."""
    lost = sum(1 for cmid in rec.acked if cmid not in rec.delivered)
    duplicated = sum(v - 1 for v in rec.delivered.values() if v > 1) + rec.ack_repeats
    lat = {k: summary(v) for k, v in rec.latency.items()}
    both = summary([*rec.latency["guest_to_staff"], *rec.latency["staff_to_guest"]])
    return {
        "offered_per_s": offered,
        "seconds": round(seconds, 2),
        "sent": sent,
        "acked": len(rec.acked),
        "acked_per_s": round(rec.acks_in_window / seconds, 1) if seconds else 0.0,
        "unacked": sent - len(rec.acked),
        "lost": lost,
        "duplicated": duplicated,
        "seq_repeats": run.seqs.repeats,
        "seq_gaps": run.seqs.gaps,
        "errors": dict(rec.errors),
        "latency_ms": {**lat, "delivery": both},
        "generator_lag_s": generator_lag_s,
    }


def tail_check(pop: Population) -> dict[str, int]:
    """After settling: seqs each socket still lacks at the end of its conversations."""
    highest = pop.run.seqs.highest
    missing = 0
    for pair in pop.pairs:
        top = highest.get(pair.conv, 0)
        missing += top - pair.guest.last_seq.get(pair.conv, 0)
        missing += top - pair.staff.last_seq.get(pair.conv, 0)
    return {"tail_missing": missing, "seq_repeats": pop.run.seqs.repeats,
            "seq_gaps": pop.run.seqs.gaps}
