"""`POST /api/widget/{key}/visit` requests per second at fixed concurrency.

httpx fetches each simulated visitor's token (and checks the answer's shape);
the timed loop then uses a minimal HTTP/1.1 keep-alive client on asyncio
streams, because httpx itself saturates the generator's CPU at about 500
requests/s here, below what even the bare handler serves.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.stats import summary


async def _tokens(url: str, path: str, n: int) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        tokens = []
        for i in range(n):
            r = await http.post(path, json={"url": f"https://shop.example/p/{i}"})
            r.raise_for_status()
            body = r.json()
            assert {"token", "availability", "unread"} <= set(body), body
            tokens.append(body["token"])
        return tokens


async def _visitor(host: str, port: int, path: str, token: str, deadline: float,
                   latencies: list[int], statuses: dict[int, int]) -> None:
    """One keep-alive connection posting page views until the deadline."""
    reader, writer = await asyncio.open_connection(host, port)
    n = 0
    try:
        while time.perf_counter() < deadline:
            n += 1
            body = json.dumps({"token": token, "url": f"https://shop.example/p/{n}",
                               "title": "A page", "referrer": "https://search.example/"})
            request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                       f"\r\n{body}").encode()
            t = time.perf_counter_ns()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter_ns() - t)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def hammer(url: str, key: str, *, concurrency: int, seconds: float) -> dict[str, Any]:
    """Each connection is one returning visitor with its token, posting page views."""
    path = f"/api/widget/{key}/visit"
    tokens = await _tokens(url, path, concurrency)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[int] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_visitor(host, port, path, tokens[i], deadline, latencies, statuses)
                           for i in range(concurrency)))
    wall = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {"concurrency": concurrency, "seconds": round(wall, 2),
            "requests": sum(statuses.values()), "ok": ok,
            "per_s": round(ok / wall, 1), "statuses": {str(k): v for k, v in statuses.items()},
            "latency_ms": summary(latencies), "client": "asyncio keep-alive HTTP/1.1"}
