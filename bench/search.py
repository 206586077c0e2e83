"""How fast is message search? (issue 19 item 1): N messages of Japanese chat text.

`python -m bench.search` (`--messages 1000000 --queries 40 --backends sqlite,postgres`):
for each backend, a fresh `chats serve` (bench/stack.py: `chats create-store`, then
the server), `--messages` messages of generated Japanese chat text loaded straight
into its database in bulk (not through the API: the bench measures searching, and
sending a million messages one by one would take hours), then over HTTP as the
store's admin, `GET /api/search/messages` for one-, two-, three- and four-word
queries drawn from the generator's vocabulary (`--queries` each), p50 / p95 / max
of the response time (first page, 20 hits), and the index's size on disk.

The loader writes through the app's models with the search index live: on SQLite
the triggers fold and index every row as it is inserted (the loading rate is
therefore the indexing rate); on PostgreSQL the GIN index is dropped for the load
and rebuilt after it, timed (what the migration's backfill costs).

`--acks` runs the main bench's wire load (bench/load.py) on one SQLite server three
times — with the index, without it (triggers dropped), with it again — and reports
send → ack p50 / p99 of each (`--ack-chats`, `--ack-rate`, `--ack-seconds`).

`--insert-probe N` (default 2000) also measures what the index adds to storing one
message on SQLite: N single-row INSERT + COMMIT (WAL, synchronous=FULL, like the
send path) into a copy of the `messages` table with and without the search
triggers, p50 / p99 per message.

Writes `bench/results/search.json`. Loading needs the index's fold function on
the loader's own connection, so this bench, unlike the others, imports `chats`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import stack
from bench.client import login
from bench.proc import machine
from bench.run import RESULTS

GREETINGS = [
    "こんにちは",
    "お世話になっております",
    "はじめまして",
    "こんばんは",
    "いつもありがとうございます",
    "失礼いたします",
    "おはようございます",
]
PRODUCTS = [
    "ガスコンロ",
    "ノートパソコン",
    "ワイヤレスイヤホン",
    "ステンレスボトル",
    "ダウンジャケット",
    "ランニングシューズ",
    "コーヒーメーカー",
    "ハンドクリーム",
    "スマートウォッチ",
    "ベビーカー",
    "トートバッグ",
    "電気ケトル",
    "加湿器",
    "座椅子",
    "羽毛布団",
    "炊飯器",
    "掃除機",
    "日傘",
    "ﾌﾗｲﾊﾟﾝ",
    "ｷｬﾘｰｹｰｽ",
    "ﾏｸﾞｶｯﾌﾟ",
    "ぬいぐるみ",
    "ボールペン",
    "Tシャツ",
    "ｽﾆｰｶｰ",
]
COLOURS = ["ブラック", "ホワイト", "ネイビー", "ベージュ", "赤", "青", "グレー", "ピンク"]
SIZES = ["S", "M", "L", "XL", "２４ｃｍ", "25.5cm", "フリーサイズ"]
PREFS = ["東京都", "大阪府", "北海道", "福岡県", "愛知県", "神奈川県", "京都府", "沖縄県", "宮城県"]
CITIES = [
    "千代田区",
    "中央区",
    "札幌市",
    "博多区",
    "名古屋市",
    "横浜市",
    "左京区",
    "那覇市",
    "仙台市",
]
QUESTIONS = [
    "{p}の在庫はありますか",
    "{p}の{c}はいつ入荷しますか",
    "{p}のサイズ{s}はまだ買えますか",
    "注文番号{o}の配送状況を教えてください",
    "{p}が届いたのですが箱が破損していました",
    "注文番号{o}をキャンセルしたいです",
    "{p}の返品方法を教えてください",
    "ポイントは{n}ポイント使えますか",
    "送料はいくらですか",
    "{p}はギフト包装できますか",
    "届け先を{a}に変更できますか",
    "領収書の宛名を変えたいです",
    "クーポンコード{k}が使えません",
    "{p}と{q}を一緒に注文すると送料無料になりますか",
    "支払い方法にコンビニ払いはありますか",
    "{p}の色違い（{c}）はありますか",
    "電話番号は0{t1}-{t2}-{t3}です",
    "〒{z1}-{z2} {a}までお願いします",
]
ANSWERS = [
    "お問い合わせありがとうございます。確認いたしますので少々お待ちください",
    "{p}は現在在庫がございます",
    "{p}の{c}は{m}月{d}日頃に入荷予定です",
    "注文番号{o}は{m}月{d}日に発送済みです。追跡番号は{t}です",
    "大変申し訳ございません。交換品をすぐに手配いたします",
    "返品は商品到着後7日以内に承ります",
    "送料は全国一律{y}円です（{f}円以上で無料）",
    "ギフト包装は1点につき{w}円で承ります",
    "お届け先を{a}に変更いたしました",
    "クーポン{k}の有効期限が切れているようです",
    "ご確認ありがとうございます。他にご不明な点はございますか",
]
CLOSINGS = [
    "ありがとうございました",
    "よろしくお願いします",
    "助かりました！",
    "わかりました",
    "了解です",
    "また連絡します",
    "承知しました",
    "はい",
    "OKです",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        p=rng.choice(PRODUCTS),
        q=rng.choice(PRODUCTS),
        c=rng.choice(COLOURS),
        s=rng.choice(SIZES),
        o=f"{rng.choice('ABCDK')}{rng.randrange(10**7, 10**8)}",
        n=rng.randrange(100, 5000),
        k=f"SALE{rng.randrange(100, 999)}",
        a=f"{rng.choice(PREFS)}{rng.choice(CITIES)}{rng.randrange(1, 9)}-{rng.randrange(1, 30)}",
        t1=rng.randrange(70, 99),
        t2=rng.randrange(1000, 9999),
        t3=rng.randrange(1000, 9999),
        z1=rng.randrange(100, 999),
        z2=rng.randrange(1000, 9999),
        m=rng.randrange(1, 13),
        d=rng.randrange(1, 29),
        t=rng.randrange(10**11, 10**12),
        y=rng.choice((550, 770, 880)),
        f=rng.choice((3980, 5000, 8000)),
        w=rng.choice((110, 220, 330)),
    )


def message_text(rng: random.Random, author: str) -> str:
    """One chat message: a greeting, a question or an answer, a closing, mixed."""
    r = rng.random()
    if author == "guest":
        parts = [rng.choice(GREETINGS)] if r < 0.3 else []
        parts.append(_fill(rng.choice(QUESTIONS), rng))
        if r > 0.8:
            parts.append(rng.choice(CLOSINGS))
        return "。".join(parts) + rng.choice(("", "。", "？", "!"))
    if r < 0.15:
        return rng.choice(CLOSINGS)
    return _fill(rng.choice(ANSWERS), rng) + "。"


def vocabulary() -> list[str]:
    """Words people would search for: products, colours, places, phrases."""
    words = [
        *PRODUCTS,
        *COLOURS,
        *PREFS,
        *CITIES,
        "在庫",
        "入荷",
        "返品",
        "キャンセル",
        "配送状況",
        "ギフト包装",
        "クーポン",
        "領収書",
        "送料無料",
        "注文番号",
        "コンビニ払い",
        "交換品",
    ]
    # Words of three characters or more: what the index finds; shorter ones are measured
    # apart (`short_word_scan`), since they read the newest messages instead.
    return [w for w in words if len(w) >= 3]


async def load(
    url: str, store_id: str, count: int, rng: random.Random, per_conversation: int = 12
) -> dict[str, Any]:
    """`count` messages in conversations of `per_conversation`, over the last 400 days."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from chats.db.engine import Database
    from chats.db.models import Conversation, Guest, Message
    from chats.ids import new_id

    db = Database(url)
    started = time.perf_counter()
    now = datetime.now(UTC)
    span = timedelta(days=400)
    chunk = 5000
    done = 0
    try:
        if not db.is_sqlite:
            async with db.write() as session:
                from sqlalchemy import text

                await session.execute(text("DROP INDEX IF EXISTS ix_messages_search"))
                await session.commit()
        while done < count:
            n = min(chunk, count - done)
            conversations = (n + per_conversation - 1) // per_conversation
            guests, convs, messages = [], [], []
            for c in range(conversations):
                at = now - span + span * ((done + c * per_conversation) / count)
                gid, cid = new_id(), new_id()
                guests.append(
                    {
                        "id": gid,
                        "store_id": store_id,
                        "token_hash": new_id() * 2,
                        "nickname": f"ゲスト{done + c}",
                        "profile": {},
                        "first_seen_at": at,
                        "last_seen_at": at,
                        "last_contact_at": at,
                    }
                )
                k = min(per_conversation, n - c * per_conversation)
                convs.append(
                    {
                        "id": cid,
                        "store_id": store_id,
                        "guest_id": gid,
                        "kind": "chat",
                        "status": "ended",
                        "last_seq": k,
                        "created_at": at,
                    }
                )
                for seq in range(1, k + 1):
                    author = "guest" if seq % 2 else "staff"
                    messages.append(
                        {
                            "id": new_id(),
                            "conversation_id": cid,
                            "store_id": store_id,
                            "seq": seq,
                            "author": author,
                            "kind": "text",
                            "text": message_text(rng, author),
                            "created_at": at + timedelta(seconds=20 * seq),
                        }
                    )
            async with db.write() as session:
                await session.execute(insert(Guest), guests)
                await session.execute(insert(Conversation), convs)
                await session.execute(insert(Message), messages)
                await session.commit()
            done += n
        loaded = time.perf_counter() - started
        rebuild = None
        if not db.is_sqlite:
            from sqlalchemy import text

            from chats.db.search_index import postgres_create

            t0 = time.perf_counter()
            async with db.engine.connect() as conn:
                await conn.execute(text("SET maintenance_work_mem = '256MB'"))
                await conn.exec_driver_sql(postgres_create()[-1])
                await conn.exec_driver_sql("ANALYZE messages")
                await conn.commit()
            rebuild = round(time.perf_counter() - t0, 1)
        else:
            async with db.write() as session:
                from sqlalchemy import text

                await session.execute(text("ANALYZE"))
                await session.commit()
        return {
            "messages": count,
            "load_s": round(loaded, 1),
            "messages_per_s": round(count / loaded),
            "index_rebuild_s": rebuild,
        }
    finally:
        await db.dispose()


async def index_size(url: str) -> dict[str, Any]:
    """The index's bytes on disk (and the messages table's, for scale)."""
    from sqlalchemy import text

    from chats.db.engine import Database

    db = Database(url)
    try:
        async with db.read() as session:
            if db.is_sqlite:
                rows = (
                    await session.execute(
                        text(
                            "SELECT name, sum(pgsize) FROM dbstat"
                            " WHERE name LIKE 'message_search%' OR name = 'messages'"
                            " GROUP BY name"
                        )
                    )
                ).all()
                sizes = {str(name): int(size) for name, size in rows}
                index = sum(v for k, v in sizes.items() if k.startswith("message_search"))
                return {
                    "index_bytes": index,
                    "messages_table_bytes": sizes.get("messages", 0),
                    "parts": sizes,
                }
            index = await session.scalar(text("SELECT pg_relation_size('ix_messages_search')"))
            table = await session.scalar(text("SELECT pg_relation_size('messages')"))
            return {"index_bytes": int(index or 0), "messages_table_bytes": int(table or 0)}
    except Exception as exc:  # dbstat is a compile-time option of SQLite
        return {"error": str(exc)}
    finally:
        await db.dispose()


def queries(rng: random.Random, words: int, count: int) -> list[str]:
    """Queries of `words` words that occur together in some generated message (as people
    search for what they remember of one), else random words of the vocabulary."""
    vocab = vocabulary()
    out: list[str] = []
    while len(out) < count:
        for _ in range(200):
            text = message_text(rng, rng.choice(("guest", "staff")))
            present = [w for w in vocab if w in text]
            if len(present) >= words:
                out.append(" ".join(rng.sample(present, words)))
                break
        else:
            out.append(" ".join(rng.sample(vocab, words)))
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(pick(0.95), 1),
        "max_ms": round(ordered[-1], 1),
    }


async def measure(url: str, cookie: str, rng: random.Random, count: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, timeout=120, cookies={"chats_session": cookie}) as c:
        for words in (1, 2, 3, 4):
            times, hits = [], []
            for q in queries(rng, words, count):
                t0 = time.perf_counter()
                r = await c.get("/api/search/messages", params={"q": q})
                times.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
                hits.append(len(r.json()["hits"]))
            out[f"{words}_word"] = {
                **percentiles(times),
                "queries": count,
                "mean_hits": round(sum(hits) / len(hits), 1),
            }
        # Deep pages and a short word (the bounded scan), for the record.
        times = []
        for q in queries(rng, 1, count):
            t0 = time.perf_counter()
            (await c.get("/api/search/messages", params={"q": q, "page": 10})).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
        out["1_word_page_10"] = percentiles(times)
        times = []
        for q in rng.choices(["在", "送料", "赤", "青", "はい", "XL"], k=count):
            t0 = time.perf_counter()
            (await c.get("/api/search/messages", params={"q": q})).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
        out["short_word_scan"] = percentiles(times)
    return out


def insert_probe(n: int) -> dict[str, Any]:
    """Single-row INSERT + COMMIT with and without the search triggers (SQLite)."""
    from chats.db.search_index import SQLITE_CREATE, register_sqlite_functions

    rng = random.Random(7)
    out: dict[str, Any] = {}
    for label, indexed in (("without_index", False), ("with_index", True)):
        with tempfile.TemporaryDirectory() as tmp:
            conn = sqlite3.connect(Path(tmp) / "probe.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            register_sqlite_functions(conn)
            conn.execute(
                "CREATE TABLE messages (id VARCHAR(32) PRIMARY KEY, store_id TEXT,"
                " text TEXT NOT NULL, created_at TEXT)"
            )
            if indexed:
                for statement in SQLITE_CREATE:
                    conn.execute(statement)
            # A realistic index to insert into: 50,000 rows first, in one transaction.
            conn.execute("BEGIN")
            for i in range(50_000):
                conn.execute(
                    "INSERT INTO messages VALUES (?, 's', ?, '')",
                    (f"w{i}", message_text(rng, "guest")),
                )
            conn.execute("COMMIT")
            times = []
            for i in range(n):
                body = message_text(rng, "guest" if i % 2 else "staff")
                t0 = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO messages VALUES (?, 's', ?, '')", (f"m{i}", body))
                conn.execute("COMMIT")
                times.append((time.perf_counter() - t0) * 1e6)
            conn.close()
        ordered = sorted(times)
        out[label] = {
            "p50_us": round(statistics.median(ordered)),
            "p99_us": round(ordered[int(0.99 * len(ordered))]),
        }
    return out


async def run_backend(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    s = await stack.make_stack(kind, 0)
    try:
        url = s.env["CHATS_DATABASE_URL"]
        assert s.guest_server is not None
        server_url = s.guest_server.url
        store_id = await _store_id(url)
        rng = random.Random(19)
        loaded = await load(url, store_id, args.messages, rng)
        cookie = await login(server_url, "bench-admin", stack.PASSWORD)
        timings = await measure(server_url, cookie, random.Random(5), args.queries)
        return {"load": loaded, "size": await index_size(url), "queries": timings}
    finally:
        await stack.drop_stack(s)


async def _store_id(url: str) -> str:
    from sqlalchemy import text

    from chats.db.engine import Database

    db = Database(url)
    try:
        async with db.read() as session:
            return str(await session.scalar(text("SELECT id FROM stores LIMIT 1")))
    finally:
        await db.dispose()


async def ack_compare(args: argparse.Namespace) -> dict[str, Any]:
    """Send → ack under load on one SQLite server: with the search triggers, then without.

    The same open-loop load (bench/load.py: half guest, half staff sends, round-robin
    over `--ack-chats` chats at `--ack-rate` msg/s) runs three times on one server
    pinned to CPU 0: with the index, without it (its triggers dropped on the live
    database between runs), with it again (triggers back), so drift of a shared machine
    shows as a difference between the two runs with the index.
    """
    from bench import load as wire_load
    from bench.proc import pin
    from bench.run import GENERATOR_CPU
    from chats.db.search_index import SQLITE_CREATE, register_sqlite_functions

    triggers = [st for st in SQLITE_CREATE if st.startswith("CREATE TRIGGER messages_search")]
    names = [st.split()[2] for st in triggers]
    pin(GENERATOR_CPU)
    st = await stack.make_stack("sqlite", wire_load.staff_needed(args.ack_chats))
    path = st.env["CHATS_DATABASE_URL"].removeprefix("sqlite:///")

    def set_index(on: bool) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=10000")
        register_sqlite_functions(conn)
        for name, create in zip(names, triggers, strict=True):
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            if on:
                conn.execute(create)
        conn.close()

    runs: dict[str, Any] = {}
    try:
        pop = await wire_load.populate(st.target(), args.ack_chats, batch=20, concurrency=20)
        assert st.guest_server is not None
        st.guest_server.pin()
        for label, on in (
            ("with_index", True),
            ("without_index", False),
            ("with_index_again", True),
        ):
            set_index(on)
            out = await wire_load.drive(pop, args.ack_rate, args.ack_seconds, warmup_s=2.0)
            lat = out["latency_ms"]
            runs[label] = {
                "ack_guest_ms": lat["ack_guest"],
                "ack_staff_ms": lat["ack_staff"],
                "acked_per_s": out["acked_per_s"],
                "lost": out["lost"],
            }
            print(json.dumps({label: runs[label]}), flush=True)
        await pop.close()
    finally:
        await stack.drop_stack(st)
    return {
        "chats": args.ack_chats,
        "rate": args.ack_rate,
        "seconds": args.ack_seconds,
        "note": "the load's texts are short (t=<ns>): the fold and trigram cost grow "
        "with a message's length (see insert_probe_sqlite)",
        **runs,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=40, help="per word count")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--insert-probe", type=int, default=2000)
    parser.add_argument(
        "--acks",
        action="store_true",
        help="also compare send → ack with and without the index (SQLite)",
    )
    parser.add_argument("--ack-chats", type=int, default=1000)
    parser.add_argument("--ack-rate", type=float, default=100.0)
    parser.add_argument("--ack-seconds", type=float, default=20.0)
    parser.add_argument("--out", default=str(RESULTS / "search.json"))
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": machine(), "messages": args.messages, "backends": {}}
    for kind in filter(None, args.backends.split(",")):
        t0 = time.perf_counter()
        try:
            result["backends"][kind] = await run_backend(kind, args)
        except Exception as exc:  # a backend that is not there is reported
            result["backends"][kind] = {"error": repr(exc)}
        result["backends"][kind]["total_s"] = round(time.perf_counter() - t0, 1)
        print(
            json.dumps({kind: result["backends"][kind]}, ensure_ascii=False, indent=1), flush=True
        )
    if args.insert_probe:
        result["insert_probe_sqlite"] = insert_probe(args.insert_probe)
        print(json.dumps(result["insert_probe_sqlite"]), flush=True)
    if args.acks:
        result["acks_sqlite"] = await ack_compare(args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
