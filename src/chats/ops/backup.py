"""`chats backup` and `chats restore`: a consistent copy of a running installation.

A backup folder holds the database (SQLite: a copy made with SQLite's online backup
API, so chats keep running; PostgreSQL: a `pg_dump` custom-format archive), the
uploads folder, the secret key file, and `manifest.json` listing every file with its
size and SHA-256. The database is copied first and the uploads after: a file is
written before the message that names it is committed, so every file the copied
database refers to is already on disk when the uploads are copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from chats import __version__
from chats.config import KEY_FILE
from chats.ids import iso, utcnow
from chats.ops import OpsError

if TYPE_CHECKING:
    from chats.config import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "chats.db"
PG_FILE = "chats.pgdump"
UPLOADS = "uploads"
FORMAT = 1


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def _pg_url(url: str) -> str:
    """The URL as libpq's tools take it (no SQLAlchemy driver name)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _empty_or_missing(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent snapshot while other connections write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # One step: in WAL mode the copy reads one snapshot while writers go on (in
        # several steps, every write by the server between two steps restarts it).
        src.backup(dst, pages=-1)
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if check is None or check[0] != "ok":
            raise OpsError(f"the copied database fails its integrity check: {check}")
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client program, or a refusal that says what to install."""
    path = shutil.which(name)
    if path is None:
        raise OpsError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "version (Debian: postgresql-client), or dump and restore the database yourself "
            "with pg_dump --format=custom and pg_restore (docs/deploy.md)")
    return path


def _run(args: list[str]) -> str:
    """Run a PostgreSQL client program; its error output becomes the refusal's text."""
    try:
        done = subprocess.run(args, check=True, capture_output=True, text=True)  # noqa: S603
    except subprocess.CalledProcessError as exc:
        raise OpsError(f"{Path(args[0]).name} failed: {exc.stderr.strip()}") from exc
    return done.stdout


def _pg_dump(url: str, target: Path) -> None:
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}",
          f"--dbname={_pg_url(url)}"])


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def backup(settings: Settings, dest: Path) -> dict[str, Any]:
    """Copy the database, the uploads and the secret key into `dest` (empty or new)."""
    if not _empty_or_missing(dest):
        raise OpsError(f"{dest} is not empty: give a new folder for each backup")
    dest.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    sqlite_path = _sqlite_path(url)
    if sqlite_path is not None:
        if not sqlite_path.exists():
            raise OpsError(f"no database at {sqlite_path}")
        _copy_sqlite(sqlite_path, dest / SQLITE_FILE)
        database = {"kind": "sqlite", "file": SQLITE_FILE}
    else:
        _pg_dump(url, dest / PG_FILE)
        database = {"kind": "postgresql", "file": PG_FILE}
    if settings.uploads_dir.is_dir():
        shutil.copytree(settings.uploads_dir, dest / UPLOADS)
    key = settings.data_dir / KEY_FILE
    if key.is_file():
        shutil.copy2(key, dest / KEY_FILE)
    files = [
        {"path": p.relative_to(dest).as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
        for p in _files_under(dest)
    ]
    manifest = {"format": FORMAT, "chats_version": __version__, "created_at": iso(utcnow()),
                "database": database, "files": files}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return {"backup": str(dest), "database": database["kind"], "files": len(files),
            "bytes": sum(p.stat().st_size for p in _files_under(dest))}


def verify(source: Path) -> dict[str, Any]:
    """Read `source`'s manifest and check every file's size and checksum against it."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise OpsError(f"no readable {MANIFEST} in {source}") from exc
    if manifest.get("format") != FORMAT:
        raise OpsError(f"unknown backup format {manifest.get('format')!r}")
    for entry in manifest["files"]:
        path = source / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["size"]:
            raise OpsError(f"{entry['path']} is missing or has the wrong size")
        if _sha256(path) != entry["sha256"]:
            raise OpsError(f"{entry['path']} does not match its checksum")
    return manifest


def _pg_is_empty(url: str) -> bool:
    out = _run([_tool("psql"), "--no-psqlrc", "-tA", f"--dbname={_pg_url(url)}", "-c",
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"])
    return out.strip() == "0"


def _restore_database(settings: Settings, source: Path, database: dict[str, Any]) -> None:
    url = settings.effective_database_url
    sqlite_path = _sqlite_path(url)
    if database["kind"] == "sqlite":
        if sqlite_path is None:
            raise OpsError("this backup holds a SQLite database: restore it with no "
                              "CHATS_DATABASE_URL or a sqlite:/// one")
        if sqlite_path.exists():
            raise OpsError(f"{sqlite_path} exists: restore only into an empty data directory")
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / SQLITE_FILE, sqlite_path)
        return
    if sqlite_path is not None:
        raise OpsError("this backup holds a PostgreSQL dump: set CHATS_DATABASE_URL to "
                          "an empty PostgreSQL database")
    if not _pg_is_empty(url):
        raise OpsError("the database named by CHATS_DATABASE_URL holds tables: "
                          "restore only into an empty database")
    _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_pg_url(url)}",
          str(source / PG_FILE)])


def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Check `source` against its manifest and restore it into an empty data directory."""
    manifest = verify(source)
    data_dir = settings.data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        raise OpsError(f"{data_dir} is not empty: restore only into an empty data directory")
    _restore_database(settings, source, manifest["database"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if (source / UPLOADS).is_dir():
        shutil.copytree(source / UPLOADS, settings.uploads_dir)
    if (source / KEY_FILE).is_file():
        shutil.copy2(source / KEY_FILE, data_dir / KEY_FILE)
        os.chmod(data_dir / KEY_FILE, 0o600)
    return {"restored": str(source), "data_dir": str(data_dir),
            "database": manifest["database"]["kind"], "files": len(manifest["files"])}
