"""Downloads of uploaded files: the unguessable id is the capability."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse

from chats.api.deps import Ctx
from chats.errors import ChatsError
from chats.services.uploads import file_path, get_upload

router = APIRouter(tags=["files"])
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@router.get("/files/{upload_id}", include_in_schema=False)
async def download(upload_id: str, ctx: Ctx, inline: bool = False) -> FileResponse:
    """Serve an upload: as an attachment, except re-encoded images asked for inline."""
    async with ctx.db.read() as session:
        upload = await get_upload(session, upload_id)
    if upload is None:
        raise ChatsError("not_found")
    path = file_path(ctx.settings, upload)
    if not path.is_file():
        raise ChatsError("not_found")
    disposition = "inline" if inline and upload.content_type in INLINE_TYPES else "attachment"
    return FileResponse(
        path,
        media_type=upload.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(upload.original_name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=86400",
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )
