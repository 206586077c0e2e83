"""Real image files made with Pillow for upload tests (and hand-made broken ones)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin


def picture(width: int, height: int, fmt: str = "PNG", colour: str = "#1f6feb",
            text: str | None = None) -> bytes:
    """A plain image of the given size and format (PNG may carry a text chunk)."""
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    image = Image.new(mode, (width, height), colour)
    if fmt == "PNG" and text is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
        image.save(out, format=fmt, pnginfo=info)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def logo(width: int = 480, height: int = 120) -> bytes:
    """A small two-colour logo with a mark and the word "midori" (for screenshots)."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, height - 8, height - 8), fill="#8cc084")
    draw.ellipse((height // 3, height // 4, height - 20, height - 30), fill="#f5efe0")
    draw.text((height + 12, height // 2), "midori", fill="#f5efe0",
              font=ImageFont.load_default(size=height // 2), anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + _chunk(b"IEND", b""))


def lying_png(width: int = 100, height: int = 120) -> bytes:
    """A PNG whose header says width × height but whose pixels are for a quarter of that."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * (width // 2) for _ in range(height // 2))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))


def size_of(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of image bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return str(image.format), image.width, image.height
