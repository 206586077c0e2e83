"""The scenarios of issue 8, run against one system under test (CHATS or the relay)."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import client, load, profile
from bench.client import Run
from bench.load import Population
from bench.proc import ROOT, Meter, status_kib
from bench.stack import Stack
from bench.visit import hammer


@dataclass
class Config:
    """Scale knobs (`python -m bench.run --help`)."""

    chats: int = 1000
    rate: float = 100.0
    seconds: float = 20.0
    warmup_s: float = 2.0
    steps: list[float] = field(default_factory=lambda: [
        250.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0])
    step_s: float = 5.0
    p99_limit_ms: float = 100.0
    resume_messages: int = 300
    resume_reps: int = 5
    visit_concurrency: int = 32
    visit_s: float = 8.0
    idle: int = 15000
    idle_per_worker: int = 4000
    profile_s: float = 8.0
    batch: int = 20
    concurrency: int = 20


class GeneratorMeter:
    """CPU share of this (generator) process over a span: near 100 % means generator-bound."""

    def __init__(self) -> None:
        t = os.times()
        self.cpu0, self.wall0 = t.user + t.system, time.perf_counter()

    def pct(self) -> float:
        t = os.times()
        wall = time.perf_counter() - self.wall0
        return round(100 * (t.user + t.system - self.cpu0) / wall, 1) if wall else 0.0


async def measured(stack: Stack, coro: Any) -> dict[str, Any]:
    """Run `coro` with the servers' CPU and peak RSS and the generator's CPU measured."""
    meter = Meter(stack.pids).start()
    gen = GeneratorMeter()
    out: dict[str, Any] = await coro
    out["server"] = meter.stop()
    out["generator_cpu_pct"] = gen.pct()
    return out


async def profiled(stack: Stack, coro: Any, name: str, prof_dir: Path | None,
                   seconds: float) -> dict[str, Any]:
    """Run `coro` while py-spy samples every server; the summaries by server."""
    if prof_dir is None or stack.kind == "relay" or profile.py_spy() is None:
        await coro
        return {}
    prof_dir.mkdir(parents=True, exist_ok=True)
    tasks = {s.name: asyncio.create_task(profile.record(s.pid, seconds,
                                                        prof_dir / f"{s.name}-{name}.txt"))
             for s in stack.servers}
    await coro
    out = {}
    for server_name, task in tasks.items():
        path = await task
        if path is not None:
            out[server_name] = profile.summarise(path)
    return out


async def chat_load(stack: Stack, pop: Population, cfg: Config,
                    prof_dir: Path | None) -> dict[str, Any]:
    """1,000 chats at 100 messages/s; then the same load again under the profiler."""
    out = await measured(stack, load.drive(pop, cfg.rate, cfg.seconds, warmup_s=cfg.warmup_s))
    out["chats"] = len(pop.pairs)
    out["check"] = load.tail_check(pop)
    out["profile"] = await profiled(
        stack, load.drive(pop, cfg.rate, cfg.profile_s, warmup_s=0), "chats",
        prof_dir, cfg.profile_s)
    return out


def passes(step: dict[str, Any], cfg: Config) -> bool:
    """Sustained: p99 within the limit, ≥ 95 % of the offered rate acked, nothing lost."""
    p99 = step["latency_ms"]["delivery"]["p99"]
    return (p99 is not None and p99 <= cfg.p99_limit_ms
            and step["acked_per_s"] >= 0.95 * step["offered_per_s"]
            and step["lost"] == 0 and step["duplicated"] == 0 and not step["errors"])


async def _step(stack: Stack, pop: Population, rate: float, cfg: Config) -> dict[str, Any]:
    step = await measured(stack, load.drive(pop, rate, cfg.step_s, warmup_s=1.0, settle_s=10.0))
    step["passed"] = passes(step, cfg)
    return step


async def max_rate(stack: Stack, pop: Population, cfg: Config,
                   prof_dir: Path | None) -> dict[str, Any]:
    """Step the rate up until p99 passes the limit; the last passing step is the answer."""
    # Guests may send 4/s sustained: stay under it so no step is rate-limited.
    cap = 7.0 * len(pop.pairs)
    steps, best = [], None
    for rate in [r for r in cfg.steps if r <= cap]:
        step = await _step(stack, pop, rate, cfg)
        if not step["passed"]:
            # The machine is shared: a step that fails is run once more before it counts.
            steps.append(step)
            step = await _step(stack, pop, rate, cfg)
            step["retry"] = True
        steps.append(step)
        if not step["passed"]:
            break
        best = step
    out: dict[str, Any] = {"steps": steps, "p99_limit_ms": cfg.p99_limit_ms,
                           "cap_per_s": cap,
                           "max_sustained_per_s": best["acked_per_s"] if best else 0.0,
                           "max_step_per_s": best["offered_per_s"] if best else 0.0,
                           "stopped_by": "p99 or loss" if steps and not steps[-1]["passed"]
                           else "last step (raise --steps)"}
    if steps:
        # The step that broke (or the last one) shows what limits the rate.
        out["profiled_rate"] = steps[-1]["offered_per_s"]
        out["profile"] = await profiled(
            stack, load.drive(pop, steps[-1]["offered_per_s"], cfg.profile_s, warmup_s=0,
                              settle_s=10.0),
            "max-rate", prof_dir, cfg.profile_s)
    return out


async def resume(stack: Stack, cfg: Config, cookie: str) -> dict[str, Any]:
    """A guest misses N staff messages, reconnects with `resume`: time until it has them all."""
    target = stack.target()
    run = Run()
    staff = await client.connect_staff(target.staff_http, target.staff_ws, cookie, run)
    times, hello_times = [], []
    try:
        for _ in range(cfg.resume_reps):
            guest, welcome = await client.connect_guest(target.guest_ws, target.widget_key, run)
            conv = await client.start_chat(guest)
            await client.claim(staff, conv)
            await asyncio.wait_for(guest.expect_seq(conv, 1), 30)
            after = guest.last_seq[conv]
            await guest.close()
            pair = client.Pair(conv, guest, staff)
            for i in range(cfg.resume_messages):
                await run.send_staff(pair, text=f"missed {i}")
            await asyncio.wait_for(staff.expect_seq(conv, after + cfg.resume_messages), 60)
            while len(run.rec.acked) < len(run.rec.sent):
                await asyncio.sleep(0.01)
            t0 = time.perf_counter()
            back, _ = await client.connect_guest(
                target.guest_ws, target.widget_key, run, token=welcome["token"],
                resume={"conversation_id": conv, "after_seq": after})
            t1 = time.perf_counter()
            await asyncio.wait_for(back.expect_seq(conv, after + cfg.resume_messages), 60)
            times.append(time.perf_counter() - t0)
            hello_times.append(time.perf_counter() - t1)
            await back.close()
            await staff.send({"type": "end", "conversation_id": conv})
    finally:
        await staff.close()
    ordered = sorted(times)
    return {"messages": cfg.resume_messages, "reps": len(times),
            "ms": [round(t * 1000, 1) for t in times],
            "median_ms": round(1000 * ordered[len(ordered) // 2], 1) if ordered else None,
            "max_ms": round(1000 * ordered[-1], 1) if ordered else None,
            "after_welcome_median_ms": round(1000 * sorted(hello_times)[len(times) // 2], 1)
            if times else None,
            "seq_repeats": run.seqs.repeats, "seq_gaps": run.seqs.gaps,
            "errors": dict(run.rec.errors)}


async def visit(stack: Stack, cfg: Config, prof_dir: Path | None) -> dict[str, Any]:
    """/visit requests per second against one process (the guests' one); then profiled."""
    server = stack.guest_server
    assert server is not None
    out = await measured(stack, hammer(server.url, stack.widget_key,
                                       concurrency=cfg.visit_concurrency, seconds=cfg.visit_s))
    seconds = min(cfg.profile_s, cfg.visit_s)
    out["profile"] = await profiled(
        stack, hammer(server.url, stack.widget_key, concurrency=cfg.visit_concurrency,
                      seconds=seconds), "visit", prof_dir, seconds)
    return out


async def idle(stack: Stack, cfg: Config) -> dict[str, Any]:
    """N idle guest sockets after `hello` on one fresh server process: RSS per socket."""
    server = stack.new_server(f"{stack.name}-idle").start()
    server.pin()
    try:
        await asyncio.sleep(1.0)
        rss0 = status_kib(server.pid, "VmRSS")
        meter = Meter([server.pid]).start()
        workers = max(1, math.ceil(cfg.idle / cfg.idle_per_worker))
        counts = [cfg.idle // workers + (1 if i < cfg.idle % workers else 0)
                  for i in range(workers)]
        started = time.perf_counter()
        procs = [subprocess.Popen(
            [sys.executable, "-m", "bench.idle", "--ws", server.ws_url, "--key",
             stack.widget_key, "--count", str(n), "--concurrency", "25"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            for n in counts]
        reports = [json.loads(await asyncio.to_thread(_first_line, p)) for p in procs]
        connect_s = time.perf_counter() - started
        await asyncio.sleep(2.0)
        rss1 = status_kib(server.pid, "VmRSS")
        stats = meter.stop()
        opened = sum(int(r["open"]) for r in reports)
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("close\n")
            p.stdin.flush()
        still = [json.loads(await asyncio.to_thread(_first_line, p)) for p in procs]
        for p in procs:
            await asyncio.to_thread(p.wait, 60)
    finally:
        server.stop()
    delta = rss1 - rss0
    return {"target": cfg.idle, "open": opened, "workers": workers,
            "still_open_at_end": sum(int(s["still_open"]) for s in still),
            "errors": [r["errors"] for r in reports if r["errors"]],
            "connect_s": round(connect_s, 1),
            "hellos_per_s": round(opened / connect_s, 1) if connect_s else None,
            "rss_before_mib": round(rss0 / 1024, 1), "rss_after_mib": round(rss1 / 1024, 1),
            "kib_per_socket": round(delta / opened, 1) if opened else None,
            "server": stats}


def _first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("idle worker exited early")
    return line
