"""Files staff send in a chat (S5.1): allow-listed by content, images re-encoded.

The type is decided by the bytes, never by the client's name or Content-Type;
the file name's extension must agree with it. Anything that a browser could
run (HTML, SVG, XML, scripts) is refused, and what is stored is served only as
a download with nosniff (see api/files.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from chats.errors import ChatsError
from chats.services.uploads import safe_name

MAX_PIXELS: Final = 40_000_000  # a decompression bomb is refused before decoding
TEXT_SNIFF: Final = 8192

# sniffed kind -> (content type, extensions the name may have)
KINDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg", ".jpe")),
    "gif": ("image/gif", (".gif",)),
    "webp": ("image/webp", (".webp",)),
    "pdf": ("application/pdf", (".pdf",)),
    "text": ("text/plain; charset=utf-8", (".txt", ".csv", ".log", ".md")),
    "zip": ("application/zip", (".zip",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             (".pptx",)),
    "doc": ("application/msword", (".doc",)),
    "xls": ("application/vnd.ms-excel", (".xls",)),
    "ppt": ("application/vnd.ms-powerpoint", (".ppt",)),
}
ALLOWED_LABEL: Final = "PNG, JPEG, GIF, WebP, PDF, TXT/CSV, ZIP, Word, Excel, PowerPoint"
IMAGE_FORMATS: Final = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
_OLE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKUP: Final = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<body", b"<head",
                  b"<iframe", b"<object", b"<embed", b"<meta", b"<a ", b"<img", b"<style",
                  b"<div", b"<!--", b"<xml", b"<table", b"javascript:")


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file ready to store: clean name, content type and (re-encoded) bytes."""

    name: str
    content_type: str
    data: bytes


def refused() -> ChatsError:
    """The refusal for a type we do not accept."""
    return ChatsError("bad_frame", "error.upload_type", status=415, allowed=ALLOWED_LABEL)


def _zip_kind(ext: str) -> str:
    return {".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx"}.get(ext, "zip")


def _ole_kind(ext: str) -> str:
    return {".doc": "doc", ".xls": "xls", ".ppt": "ppt"}.get(ext, "ole")


def _is_text(data: bytes) -> bool:
    head = data[:TEXT_SNIFF]
    if b"\x00" in head:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    return not any(marker in lowered for marker in _MARKUP)


def sniff(data: bytes, ext: str) -> str | None:
    """The allowed kind the bytes are, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_kind(ext)
    if data.startswith(_OLE):
        return _ole_kind(ext)
    if _is_text(data):
        return "text"
    return None


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def reencode_image(data: bytes, kind: str) -> bytes:
    """Decode and write the image again: no metadata, no trailing payload, bounded size."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != IMAGE_FORMATS[kind]:
                raise refused()
            width, height = img.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise ChatsError("too_large", "error.image_pixels", limit=f"{MAX_PIXELS:,}")
            return _write(img, kind)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise ChatsError("bad_frame", "error.image_invalid", status=415) from exc


def _write(img: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    frames = getattr(img, "n_frames", 1)
    if kind in ("gif", "webp") and frames > 1:
        img.save(out, IMAGE_FORMATS[kind], save_all=True, loop=img.info.get("loop", 0),
                 duration=img.info.get("duration", 100))
        return out.getvalue()
    img.load()
    if kind == "jpeg":
        rotated = ImageOps.exif_transpose(img) or img
        rotated.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif kind == "png":
        keep = img if img.mode in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16") else \
            img.convert("RGBA")
        keep.save(out, "PNG", optimize=True)
    elif kind == "gif":
        img.save(out, "GIF")
    else:
        img.save(out, "WEBP", quality=90, lossless=img.info.get("lossless", False))
    return out.getvalue()


def check_file(name: str, declared_type: str | None, data: bytes) -> CheckedFile:
    """Accept an allow-listed file whose name agrees with its bytes, or refuse it."""
    clean = safe_name(name)
    declared = (declared_type or "").split(";")[0].strip().lower()
    if any(bad in declared for bad in ("html", "svg", "xml", "javascript", "ecmascript")):
        raise refused()
    if not data:
        raise ChatsError("bad_frame", "error.upload_empty", status=422)
    ext = _extension(clean)
    kind = sniff(data, ext)
    if kind is None or kind not in KINDS:
        raise refused()
    content_type, extensions = KINDS[kind]
    if ext not in extensions:
        raise refused()
    if kind in IMAGE_FORMATS:
        data = reencode_image(data, kind)
    return CheckedFile(clean, content_type, data)
