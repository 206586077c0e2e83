"""File upload in a chat (S5.1): streamed, size-limited, allow-listed, posted as a message."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from python_multipart.multipart import MultipartParser, parse_options_header

from chats.api.console_schemas import ChatMessage, FileMessageOut
from chats.api.deps import Ctx, CurrentStaff
from chats.domain.conversation import ConversationStatus
from chats.errors import ChatsError
from chats.services import chat_files
from chats.services import conversations as conversation_service
from chats.services import messages as message_service
from chats.services.uploads import file_path, store_bytes

router = APIRouter(prefix="/api/conversations", tags=["files"])
FIELD = "file"
# Room for the multipart envelope around the file (boundaries, part headers).
ENVELOPE = 16 * 1024
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _too_large(limit: int) -> ChatsError:
    return ChatsError("too_large", "error.upload_size", limit=f"{limit // (1024 * 1024)} MB"
                      if limit >= 1024 * 1024 else f"{limit} B")


def _filename(disposition: bytes) -> tuple[str, str | None]:
    """(form field name, file name) from a part's Content-Disposition."""
    _, params = parse_options_header(disposition)
    name = params.get(b"name", b"").decode("utf-8", "replace")
    star = params.get(b"filename*")
    if star and b"''" in star:
        return name, unquote(star.split(b"''", 1)[1].decode("latin-1"), encoding="utf-8")
    plain = params.get(b"filename")
    return name, plain.decode("utf-8", "replace") if plain is not None else None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field: bytes = b""
    value: bytes = b""


@dataclass
class _FileReader:
    """Collects the one file part of a multipart body, refusing it past `limit` bytes."""

    limit: int
    part: _Part = field(default_factory=_Part)
    is_file: bool = False
    name: str | None = None
    content_type: str | None = None
    data: bytearray = field(default_factory=bytearray)
    found: bool = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
        }

    def _begin(self) -> None:
        self.part = _Part()
        self.is_file = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers[self.part.field.lower()] = self.part.value
        self.part.field, self.part.value = b"", b""

    def _headers_done(self) -> None:
        form_name, file_name = _filename(self.part.headers.get(b"content-disposition", b""))
        if form_name == FIELD and file_name is not None and not self.found:
            self.is_file, self.found, self.name = True, True, file_name
            raw_type = self.part.headers.get(b"content-type")
            self.content_type = raw_type.decode("latin-1") if raw_type else None

    def _data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file:
            return
        self.data += data[start:end]
        if len(self.data) > self.limit:
            raise _too_large(self.limit)


async def read_file_part(request: Request, limit: int) -> tuple[str, str | None, bytes]:
    """Stream the body; the first part named `file` as (name, declared type, bytes)."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ChatsError("bad_frame", "error.upload_missing", status=422)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + ENVELOPE:
        raise _too_large(limit)
    reader = _FileReader(limit)
    parser = MultipartParser(boundary, reader.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + ENVELOPE:
                raise _too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except ChatsError:
        raise
    except Exception as exc:  # the parser's own errors: a malformed body
        raise ChatsError("bad_frame", "error.upload_missing", status=422) from exc
    if not reader.found or reader.name is None:
        raise ChatsError("bad_frame", "error.upload_missing", status=422)
    return reader.name, reader.content_type, bytes(reader.data)


@router.post("/{conversation_id}/files", response_model=FileMessageOut, status_code=201,
             openapi_extra=UPLOAD_BODY)
async def upload_file(conversation_id: str, request: Request, auth: CurrentStaff,
                      ctx: Ctx) -> FileMessageOut:
    """Send a file in a chat: the assigned staff member only; it becomes a `file` message."""
    async with ctx.db.read() as session:
        conversation = await conversation_service.get_for_store(
            session, conversation_id, auth.store.id
        )
        if (conversation.staff_id != auth.staff.id
                or conversation.status != ConversationStatus.ACTIVE):
            raise ChatsError("forbidden", "error.not_assigned")
    name, declared, data = await read_file_part(request, ctx.settings.upload_max_bytes)
    checked = await asyncio.to_thread(chat_files.check_file, name, declared, data)
    written = None
    try:
        async with ctx.unit_of_work() as uow:
            upload = await store_bytes(
                uow.session, ctx.settings, store_id=auth.store.id, purpose="chat_file",
                original_name=checked.name, content_type=checked.content_type,
                data=checked.data, conversation_id=conversation_id, staff_id=auth.staff.id,
            )
            written = file_path(ctx.settings, upload)
            message = await conversation_service.post_staff_message(
                uow, staff=auth.staff, conversation_id=conversation_id, client_msg_id=None,
                kind="file", text=checked.name, upload_id=upload.id,
            )
            frames = await message_service.frames_for(uow.session, [message])
    except BaseException:
        if written is not None:
            with contextlib.suppress(OSError):
                written.unlink()
        raise
    ctx.notifier.notify_overview(auth.store.id)
    frame = frames[0]
    frame.pop("type", None)
    return FileMessageOut(message=ChatMessage.model_validate(frame))
