"""Reading client frames: size, JSON and schema checks that turn into `bad_frame`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chats.errors import ChatsError
from chats.realtime.connection import MAX_FRAME


class BadFrame(ChatsError):
    """A frame that cannot be understood; `ref` is its client_msg_id when it had one."""

    def __init__(self, ref: str | None = None, detail: str = "") -> None:
        super().__init__("bad_frame", "error.validation" if detail else None, detail=detail)
        self.ref = ref


def parse_frame(raw: str, adapter: TypeAdapter[Any], known: set[str]) -> Any:
    """Validate one text frame against the client frame models."""
    if len(raw) > MAX_FRAME:
        raise BadFrame(detail="frame > 64 KiB")
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadFrame(detail="JSON") from None
    if not isinstance(data, dict):
        raise BadFrame(detail="object")
    ref = data.get("client_msg_id") if isinstance(data.get("client_msg_id"), str) else None
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in known:
        raise BadFrame(ref, detail=f"type {str(kind)[:40]!r}")
    try:
        return adapter.validate_python(data, strict=True)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()[:5])
        raise BadFrame(ref, detail=f"{kind}: {fields}") from None
