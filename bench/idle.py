"""Idle guest sockets: a worker process opens N guest sockets, each after `hello` → `welcome`.

Run by `bench.scenarios.idle` as `python -m bench.idle --ws URL --key KEY --count N`;
it prints one JSON line when its sockets are open and keeps them open until its
standard input closes (or a time limit passes), then exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time

from bench.client import Run, connect_guest
from bench.proc import raise_nofile


async def hold(ws_url: str, key: str, count: int, concurrency: int, limit_s: float) -> None:
    run = Run()
    sem = asyncio.Semaphore(concurrency)
    peers = []
    errors: dict[str, int] = {}

    async def one() -> None:
        async with sem:
            try:
                peer, _welcome = await connect_guest(ws_url, key, run)
                peers.append(peer)
            except Exception as exc:
                name = type(exc).__name__
                errors[name] = errors.get(name, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    print(json.dumps({"open": len(peers), "errors": errors,
                      "connect_s": round(time.perf_counter() - started, 2)}), flush=True)
    loop = asyncio.get_running_loop()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), limit_s)
    still_open = sum(1 for p in peers if not p.task.done())
    print(json.dumps({"still_open": still_open}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.idle")
    parser.add_argument("--ws", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--limit-s", type=float, default=600)
    args = parser.parse_args()
    raise_nofile()
    asyncio.run(hold(args.ws, args.key, args.count, args.concurrency, args.limit_s))


if __name__ == "__main__":
    main()
