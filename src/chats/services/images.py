"""Image checks with Pillow: decode under a pixel limit, then re-encode as a clean PNG.

Every image an admin uploads (button images A2, logo A3, stamps A6) is decoded
in full before it is accepted, so a file that only looks like an image (wrong
format behind a .png name, truncated, or a header that lies about its size) is
refused, and what is stored is our own re-encoding, never the client's bytes.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Final, Literal

from PIL import Image, UnidentifiedImageError

BUTTON_SIZE: Final = (100, 120)  # A2: width × height in pixels
LOGO_BOX: Final = (600, 200)  # the logo is scaled down to fit in this box
STAMP_BOX: Final = (256, 256)
# Far above anything we accept, far below what could exhaust memory (4 bytes a pixel).
MAX_PIXELS: Final = 16_000_000
PICTURE_FORMATS: Final = ("PNG", "JPEG", "GIF", "WEBP")
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
# Everything Pillow raises for a file that is not a whole, valid image.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
)


Reason = Literal["wrong", "pixels", "damaged", "not_image"]


class ImageRefused(Exception):
    """The bytes are not an acceptable image.

    `reason`: wrong format or size, too many pixels, damaged (a header but
    pixels that cannot be decoded), or not an image at all. `received`
    describes what was sent ("200×120 JPEG") whenever a header was readable.
    """

    def __init__(self, reason: Reason, received: str = "") -> None:
        super().__init__(f"{reason}: {received}")
        self.reason: Reason = reason
        self.received = received


@dataclass(frozen=True)
class CheckedImage:
    """A decoded image: what it was, and its re-encoded PNG bytes."""

    width: int
    height: int
    source_format: str
    png: bytes


def png_header_size(data: bytes) -> tuple[int, int] | None:
    """Width and height declared by a PNG's IHDR chunk, without decoding anything."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def describe(width: int, height: int, fmt: str) -> str:
    """How a received image is named in messages, e.g. "200×120 JPEG"."""
    return f"{width}×{height} {fmt}"


def _header_description(data: bytes) -> str:
    size = png_header_size(data)
    return describe(size[0], size[1], "PNG") if size else ""


def _decode(data: bytes) -> Image.Image:
    """Open the header, check the pixel count, verify, then decode every pixel."""
    # Pillow itself raises above 2× its own limit (and warns above 1×, which our
    # lower limit then refuses); nothing is decoded before this size check.
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise ImageRefused("pixels", describe(width, height, str(image.format)))
    image.verify()  # chunk checksums and structure (PNG)
    image = Image.open(io.BytesIO(data))
    image.load()  # every pixel: a truncated or lying file fails here
    return image


def decode(data: bytes) -> Image.Image:
    """A fully decoded image, or ImageRefused (describing the header when one was readable)."""
    try:
        return _decode(data)
    except ImageRefused:
        raise
    except _BOMB_ERRORS as exc:  # more pixels than even Pillow allows
        raise ImageRefused("pixels", _header_description(data)) from exc
    except _DECODE_ERRORS as exc:
        received = _header_description(data)
        raise ImageRefused("damaged" if received else "not_image", received) from exc


def to_png(image: Image.Image) -> bytes:
    """Re-encode as PNG (RGBA), dropping every metadata chunk of the original."""
    out = io.BytesIO()
    image.convert("RGBA").save(out, format="PNG", optimize=True)
    return out.getvalue()


def check_button_image(data: bytes) -> CheckedImage:
    """A2: only a PNG exactly 100 px wide and 120 px high; anything else is refused."""
    image = decode(data)
    fmt = str(image.format)
    if fmt != "PNG" or image.size != BUTTON_SIZE:
        raise ImageRefused("wrong", describe(image.width, image.height, fmt))
    return CheckedImage(image.width, image.height, fmt, to_png(image))


def fit_picture(data: bytes, box: tuple[int, int]) -> CheckedImage:
    """A PNG, JPEG, GIF or WebP scaled down (never up) to fit `box`, re-encoded as PNG."""
    image = decode(data)
    fmt = str(image.format)
    if fmt not in PICTURE_FORMATS:
        raise ImageRefused("wrong", describe(image.width, image.height, fmt))
    width, height = image.size
    picture = image.convert("RGBA")
    picture.thumbnail(box, Image.Resampling.LANCZOS)
    return CheckedImage(width, height, fmt, to_png(picture))
