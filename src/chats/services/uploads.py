"""Uploaded files: stored under the data directory with random names, described in `uploads`."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from chats.db.models import Upload
from chats.errors import ChatsError
from chats.ids import new_token, utcnow

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings
    from chats.db.engine import Database

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_name(name: str) -> str:
    """A display file name with no path parts, control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return (name or "file")[:200]


async def get_upload(session: AsyncSession, upload_id: str) -> Upload | None:
    """The upload with this id (its unguessable id is the capability to download it)."""
    return await session.get(Upload, upload_id)


def file_path(settings: Settings, upload: Upload) -> Path:
    """Where an upload's bytes live (the stored name is random, never the client's)."""
    return stored_path(settings, upload.stored_name)


def stored_path(settings: Settings, stored_name: str) -> Path:
    """Where the bytes of the upload stored as `stored_name` live."""
    return settings.uploads_dir / stored_name[:2] / stored_name


async def store_bytes(
    session: AsyncSession,
    settings: Settings,
    *,
    store_id: str,
    purpose: str,
    original_name: str,
    content_type: str,
    data: bytes,
    conversation_id: str | None = None,
    staff_id: str | None = None,
    guest_id: str | None = None,
) -> Upload:
    """Write the bytes to disk (fsynced) and add the row to the caller's transaction."""
    await check_quota(session, settings, store_id, len(data))
    stored = new_token(24).replace("-", "x").replace("_", "y")
    upload = Upload(
        store_id=store_id,
        conversation_id=conversation_id,
        purpose=purpose,
        original_name=safe_name(original_name),
        stored_name=stored,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        staff_id=staff_id,
        guest_id=guest_id,
        created_at=utcnow(),
    )
    path = file_path(settings, upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    session.add(upload)
    await session.flush()
    return upload


async def check_quota(session: AsyncSession, settings: Settings, store_id: str,
                      size: int) -> None:
    """Refuse a file that would take the store past `CHATS_UPLOAD_QUOTA_BYTES`.

    Every upload counts, whoever made it: a guest's chat files, staff files, the
    admin's pictures. The sum is read in the writing transaction: on SQLite the
    single writer orders uploads exactly; on PostgreSQL two racing uploads may
    each pass, overshooting by at most one file each.
    """
    used = await session.scalar(
        select(func.coalesce(func.sum(Upload.size), 0)).where(Upload.store_id == store_id))
    quota = settings.upload_quota_bytes
    if int(used or 0) + size > quota:
        raise ChatsError("too_large", "error.upload_quota",
                         limit=f"{quota / (1024 * 1024):,.0f} MB")


PICTURE_PURPOSES = ("button", "logo", "stamp")


async def discard_pictures(db: Database, settings: Settings, store_id: str,
                           upload_ids: set[str]) -> int:
    """Delete pictures of the store's look that a committed change replaced or removed.

    Rows go first, then the files: a crash in between leaves a file nobody links
    to, never a link to a missing file. Chat files are never touched here.
    """
    if not upload_ids:
        return 0
    async with db.write() as session:
        rows = list(await session.scalars(select(Upload).where(
            Upload.id.in_(upload_ids), Upload.store_id == store_id,
            Upload.purpose.in_(PICTURE_PURPOSES))))
        paths = [file_path(settings, row) for row in rows]
        for row in rows:
            await session.delete(row)
        await session.commit()
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)
