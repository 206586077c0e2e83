"""Server CPU per webhook delivery, the deliverer alone: `python -m bench.webhook_cpu`.

A fresh SQLite database holds one store, one endpoint (a real receiver in another
process on 127.0.0.1, `bench.webhooks.Receiver`: keep-alive, 200 at once) and
`--count` pending deliveries with stored bodies; one `WebhookDeliverer` in this
process sends them all. The figure is this process's CPU time (user + system,
every thread) from start to the last row delivered, divided by the count: what
delivery costs the server, without the chat load of `bench.webhooks` around it.
A backlog, so the deliverer works in full batches; run with `PYTHONPATH` at the
`src/` to measure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

# bench.webhooks' receiver (HTTP/1.1 keep-alive, answers 200 at once), in its own process.
RECEIVER = ("import asyncio\nfrom bench.webhooks import Receiver\n"
            "async def main():\n    r = await Receiver().start()\n"
            "    print(r.url, flush=True)\n    await asyncio.sleep(3600)\n"
            "asyncio.run(main())\n")


async def measure(count: int, workdir: Path) -> dict[str, float]:
    from chats.app import build_context
    from chats.config import Settings
    from chats.db.migrate import upgrade
    from chats.db.models import Store, Webhook, WebhookDelivery
    from chats.ids import new_id, utcnow
    from chats.services.webhook_delivery import WebhookDeliverer

    db_path = workdir / "chats.db"
    url = f"sqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE,
                                text=True, cwd=Path(__file__).resolve().parent.parent)
    assert receiver.stdout is not None
    endpoint = receiver.stdout.readline().strip()
    settings = Settings(database_url=url, data_dir=workdir, webhooks_allow_private=True,
                        log_level="WARNING")
    ctx = await build_context(settings)
    try:
        now = utcnow()
        body = json.dumps({"type": "guest.blacklisted", "timestamp": now.isoformat(),
                           "data": {"guest": {"id": "g" * 26, "nickname": "はなこ",
                                              "blacklisted": True}}}, ensure_ascii=False)
        async with ctx.db.write() as session:
            store = Store(id=new_id(), name="cpu", widget_key=new_id())
            hook = Webhook(id=new_id(), store_id=store.id, url=endpoint,
                           secret="whsec_" + "A" * 32, events=["guest.blacklisted"],
                           active=True, created_at=now)
            session.add_all([store, hook])
            await session.flush()
            session.add_all([WebhookDelivery(
                id=new_id(), store_id=store.id, webhook_id=hook.id, event="guest.blacklisted",
                subject_id=new_id(), body=body, next_attempt_at=now, created_at=now,
                retry_until=now + timedelta(days=1)) for _ in range(count)])
            await session.commit()
        deliverer = WebhookDeliverer(ctx)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await deliverer.start()
        check = sqlite3.connect(db_path)
        while check.execute("SELECT count(*) FROM webhook_deliveries WHERE status = "
                            "'delivered'").fetchone()[0] < count:
            await asyncio.sleep(0.1)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        await deliverer.stop()
    finally:
        await ctx.broker.close()
        await ctx.presence.close()
        await ctx.db.dispose()
        receiver.kill()
    return {"count": count, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
            "cpu_ms_per_delivery": round(1000 * cpu / count, 3),
            "deliveries_per_s": round(count / wall, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.webhook_cpu",
                                description=(__doc__ or "").splitlines()[0])
    p.add_argument("--count", type=int, default=3000, help="deliveries (3000)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chats-webhook-cpu-") as tmp:
        os.environ.setdefault("CHATS_LOG_LEVEL", "WARNING")
        result = asyncio.run(measure(args.count, Path(tmp)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
