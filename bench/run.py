"""`python -m bench.run` (`make bench`): every scenario on the baseline, SQLite and PostgreSQL.

Writes bench/results/latest.json and the tables in bench/README.md and in the
README's "Performance" section. `--quick` is a small run for development (< 2
minutes) that writes bench/results/quick.json only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import load, report, scenarios, stack
from bench.proc import ROOT, Meter, machine, pin, raise_nofile
from bench.scenarios import Config

RESULTS = ROOT / "bench" / "results"
GENERATOR_CPU = {1}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small and short, for development")
    p.add_argument("--systems", default="relay,sqlite,postgres",
                   help="comma-separated: relay, sqlite, postgres")
    p.add_argument("--scenarios", default="chat,max_rate,resume,visit,idle",
                   help="comma-separated: chat, max_rate, resume, visit, idle")
    p.add_argument("--chats", type=int, help="concurrent conversations (1000)")
    p.add_argument("--rate", type=float, help="messages/s of the chat load (100)")
    p.add_argument("--seconds", type=float, help="measured seconds of the chat load (30)")
    p.add_argument("--steps", help="rates of the max-rate search, comma-separated")
    p.add_argument("--step-s", type=float, help="seconds per rate step (6)")
    p.add_argument("--idle", type=int, help="idle guest sockets (15000)")
    p.add_argument("--resume-reps", type=int, help="resumes of 300 messages (5)")
    p.add_argument("--visit-s", type=float, help="seconds of /visit load (8)")
    p.add_argument("--profile-s", type=float, help="seconds of py-spy per profile, 0: none")
    p.add_argument("--staff-via", choices=["http", "cli"], default="http",
                   help="create staff with the admin API (default) or `chats create-staff`")
    p.add_argument("--src", default="work",
                   help="serve the working tree's src/ (work, default), a snapshot of HEAD's "
                        "(head), or another copy of src/ (a path: for trying a change)")
    p.add_argument("--wait-quiet", type=float, default=None,
                   help="seconds to wait for other work on the machine to calm down "
                        "(default 120, quick: 0)")
    p.add_argument("--nice", type=int, default=0,
                   help="niceness of the generator and the servers (root may go below 0)")
    p.add_argument("--report-only", action="store_true",
                   help="rewrite the README tables from the results file, run nothing")
    p.add_argument("--out", type=Path, help="results file")
    return p.parse_args(argv)


def config(args: argparse.Namespace) -> Config:
    cfg = Config()
    if args.quick:
        cfg = Config(chats=50, seconds=5, warmup_s=1, steps=[100, 200, 300], step_s=3,
                     idle=400, idle_per_worker=200, resume_reps=2, visit_s=2, profile_s=2)
    for name in ("chats", "rate", "seconds", "step_s", "idle", "resume_reps", "visit_s",
                 "profile_s"):
        value = getattr(args, name)
        if value is not None:
            setattr(cfg, name, value)
    if args.steps:
        cfg.steps = [float(x) for x in args.steps.split(",")]
    return cfg


def _cpus(cpus: set[int]) -> str:
    return ", ".join(str(c) for c in sorted(cpus))


def git_commit(src: str) -> str:
    out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    if src == "head":
        return out.stdout.strip() + " (src/ as committed)"
    if src != "work":
        return out.stdout.strip() + f" (src/ from {src})"
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                           capture_output=True, text=True, check=False).stdout.strip()
    return out.stdout.strip() + (" (src/ modified)" if dirty else "")


def widget_sizes() -> dict[str, Any]:
    """gzip sizes of the built front end (`node scripts/sizes.mjs`)."""
    try:
        out = subprocess.run(["node", "scripts/sizes.mjs"], cwd=ROOT / "frontend",
                             capture_output=True, text=True, check=True, timeout=60)
        data = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return {"error": f"{type(exc).__name__}: front end not built? (make install)"}
    return {"loader_gzip": data["widget.js"]["gzip"], "guest_gzip": data["guest"]["total_gzip"],
            "console_gzip": data["console"]["total_gzip"],
            "admin_gzip": data["admin"]["total_gzip"], "raw": data}


async def pg_reachable() -> str | None:
    """None when PostgreSQL and Redis answer, else why not."""
    try:
        await stack._pg("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL at {stack.PG_ADMIN_URL}: {type(exc).__name__}"
    try:
        from redis.asyncio import Redis

        redis = Redis.from_url(stack.REDIS_URL)
        await redis.ping()
        await redis.aclose()
    except Exception as exc:
        return f"Redis at {stack.REDIS_URL}: {type(exc).__name__}"
    return None


async def guarded(name: str, coro: Any) -> dict[str, Any]:
    """A scenario's result, or its error: one failure does not lose the others."""
    started = time.perf_counter()
    print(f"   {name} …", flush=True)
    try:
        out: dict[str, Any] = await coro
    except Exception as exc:
        traceback.print_exc()
        out = {"error": f"{type(exc).__name__}: {exc}"}
    out["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(f"   {name} done in {out['elapsed_s']} s", flush=True)
    return out


async def populate_all(stacks: dict[str, stack.Stack], cfg: Config,
                       out: dict[str, dict[str, Any]]) -> dict[str, load.Population]:
    """The chat population of every system (a system that fails is left out)."""
    pops: dict[str, load.Population] = {}
    for kind, st in stacks.items():
        print(f"== {kind}: {cfg.chats} chats ==", flush=True)
        try:
            pop = await load.populate(st.target(), cfg.chats, batch=cfg.batch,
                                      concurrency=cfg.concurrency)
        except Exception as exc:
            traceback.print_exc()
            out[kind]["populate"] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        pops[kind] = pop
        out[kind]["populate"] = {
            "chats": len(pop.pairs), "seconds": pop.setup_s, **pop.phases,
            "claim_retries": pop.claim_retries, "errors": dict(pop.run.rec.errors)}
    return pops


async def bench_all(stacks: dict[str, stack.Stack], cfg: Config, wanted: set[str],
                    prof_dir: Path | None) -> dict[str, dict[str, Any]]:
    """Each scenario on every system back to back, so they share the machine's noise."""
    out: dict[str, dict[str, Any]] = {k: {"setup": st.setup} for k, st in stacks.items()}
    pops = await populate_all(stacks, cfg, out) if wanted & {"chat", "max_rate"} else {}
    try:
        for kind, st in stacks.items():
            out[kind]["pinned"] = {s.name: sorted(s.pin()) for s in st.servers}
        for name, scenario in (("chat", scenarios.chat_load), ("max_rate", scenarios.max_rate)):
            for kind, pop in pops.items() if name in wanted else ():
                out[kind][name] = await guarded(f"{kind} {name}",
                                                scenario(stacks[kind], pop, cfg, prof_dir))
    finally:
        for pop in pops.values():
            await pop.close()
    later: list[tuple[str, Callable[[stack.Stack], Awaitable[dict[str, Any]]]]] = [
        ("resume", lambda st: scenarios.resume(st, cfg, st.cookies[-1])),
        ("visit", lambda st: scenarios.visit(st, cfg, prof_dir)),
        ("idle", lambda st: scenarios.idle(st, cfg))]
    for name, make in later:
        for kind, st in stacks.items() if name in wanted else ():
            if name == "idle":
                st.stop()  # the idle sockets get a fresh process of their own
            out[kind][name] = await guarded(f"{kind} {name}", make(st))
    return out


async def wait_quiet(limit_s: float, busy_pct: float = 30.0) -> dict[str, Any]:
    """Wait (at most `limit_s`) until the machine's CPUs are mostly idle: others share it."""
    started = time.perf_counter()
    while True:
        meter = Meter([]).start()
        await asyncio.sleep(3)
        busy = meter.machine_busy()
        waited = time.perf_counter() - started
        if max(busy.values()) <= busy_pct or waited >= limit_s:
            return {"waited_s": round(waited, 1), "busy_at_start": busy,
                    "quiet": max(busy.values()) <= busy_pct}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    cfg = config(args)
    raise_nofile()
    pinned = pin(GENERATOR_CPU)
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # the servers inherit it
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    wanted = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    skipped: dict[str, str] = {}
    if "postgres" in systems:
        why = await pg_reachable()
        if why:
            skipped["postgres"] = why
            systems.remove("postgres")
    if args.src == "head":
        stack.SRC["PYTHONPATH"] = str(stack.snapshot_src())
    elif args.src != "work":
        stack.SRC["PYTHONPATH"] = str(Path(args.src).resolve())
    staff = load.staff_needed(cfg.chats) + 1  # one more for the resume scenario
    limit = args.wait_quiet if args.wait_quiet is not None else (0 if args.quick else 120)
    quiet = await wait_quiet(limit) if limit > 0 else {}
    commit = git_commit(args.src)
    started = time.perf_counter()
    loadavg_start = Path("/proc/loadavg").read_text().split()[:3]
    sizes = widget_sizes()
    prof_dir = (RESULTS / ("profiles-quick" if args.quick else "profiles")
                if cfg.profile_s > 0 else None)
    print(f"== setting up {', '.join(systems)} ({staff} staff each) ==", flush=True)
    stacks = dict(zip(systems, await asyncio.gather(*(
        stack.make_stack(kind, staff, two_processes=kind == "postgres", staff_via=args.staff_via)
        for kind in systems)), strict=True))
    results: dict[str, Any] = {"systems": {}}
    try:
        results["systems"] = await bench_all(stacks, cfg, wanted, prof_dir)
    finally:
        for st in stacks.values():
            with contextlib.suppress(Exception):
                await stack.drop_stack(st)
    results["meta"] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "command": "make bench" if not args.quick and len(sys.argv) <= 1
        else "python -m bench.run " + shlex.join(sys.argv[1:]),
        "machine": machine(),
        "quick": args.quick,
        "config": cfg.__dict__,
        "skipped": skipped,
        "nice": args.nice,
        "pinning": (f"the generator (and py-spy, and the idle-socket workers) on CPU "
                    f"{_cpus(pinned)}; every server process, all threads, on CPU "
                    f"{_cpus(stack.SERVER_CPU)} while measured (setup runs unpinned); in "
                    f"two-process mode the guests' process on CPU {_cpus(stack.SERVER_CPU)} "
                    f"and the staff process on CPU {_cpus(stack.STAFF_CPU)}, beside the "
                    f"generator. PostgreSQL and Redis are not pinned."
                    if pinned else "none (sched_setaffinity refused)"),
        "loadavg_start": " ".join(loadavg_start),
        "quiet_wait": quiet,
        "loadavg_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "duration_s": round(time.perf_counter() - started, 1),
    }
    results["sizes"] = sizes
    for system in results["systems"].values():
        report.derive(system)
    results["targets"] = report.targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    out = args.out or RESULTS / ("quick.json" if args.quick else "latest.json")
    if args.report_only:
        results = json.loads(out.read_text())
        results["targets"] = report.targets(results)
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    else:
        try:
            import uvloop

            factory: Any = uvloop.new_event_loop
        except ImportError:
            factory = None
        with asyncio.Runner(loop_factory=factory) as runner:
            results = runner.run(main_async(args))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"== results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ==")
    block = report.results_block(results)
    if not args.quick:
        report.replace_block(ROOT / "bench" / "README.md", "results", block)
        report.replace_block(ROOT / "README.md", "bench", report.readme_block(results))
    print(report.main_table(results))
    print(report.targets_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
