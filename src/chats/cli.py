"""The `chats` command: serve, migrate, create-store, create-staff, demo (protocol §8)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chats.config import Settings
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.db.models import Store
from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.security import set_hash_cost
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
    from chats.serving import server_config

    app = create_app(settings)
    # What start-up allocated lives as long as the process: keep it out of the
    # collector's scans, which otherwise pause the loop for 100+ ms (bench/README.md).
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(server_config(app, host=args.host, port=args.port))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    # As `uvicorn.run` does: a server that never started (port taken, start-up failed) exits 3.
    return 0 if server.started else 3


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations; with --check, only say whether some are pending (exit 1 if so)."""
    if args.check:
        from chats.db.migrate import pending

        state = pending(settings.effective_database_url)
        _print(state)
        return 1 if state["pending"] else 0
    upgrade(settings.effective_database_url)
    _print({"migrated": True})
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the database, uploads and secret key into a new folder while chats run."""
    from chats.ops.backup import backup

    _print(backup(settings, Path(args.dest)))
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Restore a backup folder into an empty data directory (and empty database)."""
    from chats.ops.backup import restore

    _print(restore(settings, Path(args.source)))
    return 0


def cmd_create_store(args: argparse.Namespace, settings: Settings) -> int:
    """Create a store and its first admin."""

    async def action(session: AsyncSession) -> dict[str, Any]:
        # Hashed before the first statement: no write lock is held during argon2.
        password = await staff_service.prepare_password(
            args.password, user_inputs=(args.admin, args.admin_name or ""))
        store = await staff_service.create_store(session, name=args.name, locale=args.locale,
                                                 time_zone=args.time_zone)
        admin = await staff_service.create_staff(
            session,
            store_id=store.id,
            login_id=args.admin,
            password=password,
            name=args.admin_name or args.admin,
            role=StaffRole.ADMIN,
            max_chats=3,
        )
        return {"store_id": store.id, "widget_key": store.widget_key, "admin_id": admin.id}

    _print(asyncio.run(_in_transaction(settings, action)))
    return 0


def cmd_create_staff(args: argparse.Namespace, settings: Settings) -> int:
    """Create a staff member in a store."""

    async def action(session: AsyncSession) -> dict[str, Any]:
        password = await staff_service.prepare_password(
            args.password, user_inputs=(args.login, args.name or ""))
        if await session.get(Store, args.store) is None:
            raise ChatsError("not_found")
        staff = await staff_service.create_staff(
            session,
            store_id=args.store,
            login_id=args.login,
            password=password,
            name=args.name,
            role=StaffRole(args.role),
            max_chats=args.max_chats,
        )
        return {"staff_id": staff.id}

    _print(asyncio.run(_in_transaction(settings, action)))
    return 0


def cmd_stores(args: argparse.Namespace, settings: Settings) -> int:
    """List, suspend, resume, rename or delete stores (a provider's commands)."""
    from chats.ops import stores

    upgrade(settings.effective_database_url)
    if args.action == "list":
        listed = asyncio.run(stores.list_stores(settings))
        if args.json:
            print(json.dumps(listed, ensure_ascii=False))
        else:
            print(stores.as_table(listed))
        return 0
    if args.action == "delete" and not args.yes and not stores.confirmed(args.store):
        print("not deleted", file=sys.stderr)
        return 1
    actions = {
        "suspend": lambda: stores.set_suspended(settings, args.store, suspended=True),
        "resume": lambda: stores.set_suspended(settings, args.store, suspended=False),
        "rename": lambda: stores.rename(settings, args.store, args.name),
        "delete": lambda: stores.delete_store(settings, args.store),
    }
    _print(asyncio.run(actions[args.action]()))
    return 0


def _stores_parser(sub: Any) -> None:
    stores = sub.add_parser("stores", help="list, suspend, resume, rename or delete stores")
    acts = stores.add_subparsers(dest="action", required=True)
    listing = acts.add_parser("list", help="every store with its usage")
    listing.add_argument("--json", action="store_true", help="JSON for scripts")
    for name, text in (("suspend", "hide the widget, sign out and lock out the staff"),
                       ("resume", "undo suspend"), ("rename", "give the store a new name"),
                       ("delete", "delete the store, its data and files")):
        act = acts.add_parser(name, help=text)
        act.add_argument("store", help="the store's id or code")
        if name == "rename":
            act.add_argument("name")
        if name == "delete":
            act.add_argument("--yes", action="store_true", help="do not ask to confirm")
    stores.set_defaults(func=cmd_stores)


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
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--check", action="store_true",
                         help="apply nothing; exit 1 when migrations are pending")
    migrate.set_defaults(func=cmd_migrate)
    backup = sub.add_parser("backup", help="back up the database, uploads and secret key")
    backup.add_argument("dest", help="a new or empty folder")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into an empty data directory")
    restore.add_argument("source", help="a folder made by `chats backup`")
    restore.set_defaults(func=cmd_restore)
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
    staff.add_argument("--role", default=StaffRole.AGENT.value,
                       choices=[StaffRole.AGENT.value, StaffRole.ADMIN.value])
    staff.add_argument("--max-chats", type=int, default=3)
    staff.set_defaults(func=cmd_create_staff)
    _stores_parser(sub)
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
    set_hash_cost(settings.password_hash_memory_kib, settings.password_hash_iterations)
    try:
        code: int = args.func(args, settings)
    except ChatsError as exc:
        print(json.dumps({"error": {"code": exc.code, "message": exc.message("en")}}),
              file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
