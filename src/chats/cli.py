"""The `chats` command: serve, migrate, create-store, create-staff, demo (protocol §8)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
from typing import TYPE_CHECKING, Any

from chats.config import Settings
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.errors import ChatsError
from chats.services import staff as staff_service

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


async def _in_transaction(
    settings: Settings, action: Callable[[AsyncSession], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    await asyncio.to_thread(upgrade, settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        async with db.write() as session:
            result = await action(session)
            await session.commit()
            return result
    finally:
        await db.dispose()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the server."""
    import uvicorn

    from chats.app import create_app

    app = create_app(settings)
    # What start-up allocated lives as long as the process: keep it out of the
    # collector's scans, which otherwise pause the loop for 100+ ms (bench/README.md).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        ws_max_size=64 * 1024 + 1024,
        ws_per_message_deflate=False,
        ws_ping_interval=25,
        ws_ping_timeout=20,
        proxy_headers=True,
    )
    return 0


def cmd_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations."""
    upgrade(settings.effective_database_url)
    _print({"migrated": True})
    return 0


def cmd_create_store(args: argparse.Namespace, settings: Settings) -> int:
    """Create a store and its first admin."""

    async def action(session: AsyncSession) -> dict[str, Any]:
        store = await staff_service.create_store(session, name=args.name, locale=args.locale,
                                                 time_zone=args.time_zone)
        admin = await staff_service.create_staff(
            session,
            store_id=store.id,
            login_id=args.admin,
            password=args.password,
            name=args.admin_name or args.admin,
            role="admin",
            max_chats=3,
        )
        return {"store_id": store.id, "widget_key": store.widget_key, "admin_id": admin.id}

    _print(asyncio.run(_in_transaction(settings, action)))
    return 0


def cmd_create_staff(args: argparse.Namespace, settings: Settings) -> int:
    """Create a staff member in a store."""

    async def action(session: AsyncSession) -> dict[str, Any]:
        from chats.db.models import Store

        if await session.get(Store, args.store) is None:
            raise ChatsError("not_found")
        staff = await staff_service.create_staff(
            session,
            store_id=args.store,
            login_id=args.login,
            password=args.password,
            name=args.name,
            role=args.role,
            max_chats=args.max_chats,
        )
        return {"staff_id": staff.id}

    _print(asyncio.run(_in_transaction(settings, action)))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run the demo: a demo store, staff, and a sample shop page with the widget."""
    from chats.demo import run_demo

    return asyncio.run(run_demo(settings, host=args.host, port=args.port, shop_port=args.shop_port))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `chats`."""
    parser = argparse.ArgumentParser(prog="chats", description="CHATS live-chat server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    store = sub.add_parser("create-store", help="create a store and its admin")
    store.add_argument("name")
    store.add_argument("--admin", required=True, help="login ID of the admin")
    store.add_argument("--password", required=True)
    store.add_argument("--admin-name", default=None)
    store.add_argument("--locale", default="ja", choices=["ja", "en"])
    store.add_argument("--time-zone", default=None,
                       help="IANA zone the statistics count days in (default: Asia/Tokyo for "
                       "ja, UTC for en)")
    store.set_defaults(func=cmd_create_store)
    staff = sub.add_parser("create-staff", help="create a staff member")
    staff.add_argument("--store", required=True, help="store ID")
    staff.add_argument("--login", required=True)
    staff.add_argument("--password", required=True)
    staff.add_argument("--name", default=None)
    staff.add_argument("--role", default="agent", choices=["agent", "admin"])
    staff.add_argument("--max-chats", type=int, default=3)
    staff.set_defaults(func=cmd_create_staff)
    demo = sub.add_parser("demo", help="run a demo store with a sample shop page")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--shop-port", type=int, default=8001)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `chats` command."""
    args = build_parser().parse_args(argv)
    settings = Settings()
    try:
        code: int = args.func(args, settings)
    except ChatsError as exc:
        print(json.dumps({"error": {"code": exc.code, "message": exc.message("en")}}),
              file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
