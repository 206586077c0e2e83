"""Reading client frames: size, JSON and schema checks that turn into `bad_frame`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chats.domain.text import holds_nul
from chats.errors import ChatsError
from chats.realtime.connection import MAX_FRAME

# Client frames nest two levels deep (a frame, its `fields` or `resume`); the cap leaves
# room to grow. Deeper JSON is refused before `json.loads` recurses into it.
MAX_DEPTH = 8
# Outside strings, what `json.loads` reads has only these besides brackets (literals,
# numbers, Python's Infinity and NaN): dropping them leaves the brackets side by side,
# as one kind (`[}` gets through and `json.loads` refuses it).
_BRACKETS_ONLY = str.maketrans("{}", "[]", " \t\r\n0123456789+-.eEtrufalsnINiy,:")


class BadFrame(ChatsError):
    """A frame that cannot be understood; `ref` is its client_msg_id when it had one."""

    def __init__(self, ref: str | None = None, detail: str = "") -> None:
        super().__init__("bad_frame", "error.validation" if detail else None, detail=detail)
        self.ref = ref


def too_deep(raw: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text nests deeper than `limit` (or certainly is not JSON).

    Every step is a C string method, linear in the text, never backtracking and never
    recursing; an ordinary frame has few brackets and stops at the first line.
    """
    if raw.count("[") + raw.count("{") <= limit:
        return False
    # Drop escaped backslashes, then escaped quotes: every quote left opens or closes a
    # string, so the even parts of a split on quotes are the text outside strings.
    unescaped = raw.replace("\\\\", "").replace('\\"', "")
    brackets = "".join(unescaped.split('"')[::2]).translate(_BRACKETS_ONLY)
    if "[" * (limit + 1) in brackets:  # the usual attack: one long run of openers
        return True
    # Each pass removes the innermost pairs: exactly one level of nesting. Anything else
    # left over is not JSON, and refused all the same.
    for _ in range(limit):
        inner = brackets.replace("[]", "")
        if inner == brackets:
            break
        brackets = inner
    return bool(brackets)


def parse_frame(raw: str, adapter: TypeAdapter[Any], known: set[str]) -> Any:
    """Validate one text frame against the client frame models."""
    if len(raw) > MAX_FRAME:
        raise BadFrame(detail="frame > 64 KiB")
    if too_deep(raw):
        raise BadFrame(detail=f"JSON nested deeper than {MAX_DEPTH}")
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
    if holds_nul(data):
        raise BadFrame(ref, detail=f"{kind}: U+0000 in a string")
    try:
        return adapter.validate_python(data, strict=True)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()[:5])
        raise BadFrame(ref, detail=f"{kind}: {fields}") from None
