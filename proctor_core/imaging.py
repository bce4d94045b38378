"""Decode one submitted frame, safely: JPEG or PNG, as raw bytes, base64 text or a data URL.

Everything is checked before any pixel is decoded: the encoded size, the magic bytes, and the whole structure
(every PNG chunk, every JPEG marker segment and scan, see :mod:`proctor_core.image_limits`), so a decompression
bomb, a many-scan JPEG or a truncated upload is refused in milliseconds, without allocating more than its bytes.
The image is then decoded once, with OpenCV; a large JPEG is decoded at a reduced size (the codec skips detail
it would otherwise compute), which :attr:`~proctor_core.types.Frame.scale` records.

Every problem raises :class:`~proctor_core.errors.InvalidImage` (or its subclass
:class:`~proctor_core.errors.ImageTooComplex`) or :class:`~proctor_core.errors.ImageTooLarge`; nothing else escapes.
"""

from __future__ import annotations

import base64
import binascii
import re

import cv2
import numpy as np

from proctor_core.errors import ImageTooLarge, InvalidImage
from proctor_core.image_limits import MAX_SIDE, MIN_SIDE, jpeg_layout, png_layout
from proctor_core.types import Frame

__all__ = ["MAX_IMAGE_BYTES", "MAX_SIDE", "MIN_SIDE", "decode_image"]  # the side bounds live in image_limits

MAX_IMAGE_BYTES = 2 * 1024 * 1024
"""Largest accepted encoded image (after base64 decoding), in bytes."""

DECODE_MIN_SIDE = 240
"""A JPEG is decoded at 1/2, 1/4 or 1/8 size as long as its longer side stays at least this many pixels."""

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL = re.compile(rb"data:image/(?:jpeg|jpg|png)(?:;[a-z0-9=._-]+)*;base64,", re.IGNORECASE)
_REDUCED_FLAGS = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))


def decode_image(data: bytes | str) -> Frame:
    """Decode a JPEG or PNG frame sent as raw bytes, base64 text or a ``data:image/...;base64,`` URL.

    :raises ImageTooLarge: the encoded image is larger than :data:`MAX_IMAGE_BYTES`, or has more pixels than
        :data:`~proctor_core.image_limits.MAX_PIXELS`.
    :raises InvalidImage: empty, bad base64, not JPEG/PNG, truncated, corrupt, or a side outside
        [:data:`MIN_SIDE`, :data:`MAX_SIDE`].
    :raises ImageTooComplex: a structure that declares more than its bytes hold, or too many scans.

    Damaged JPEG scan data that the codec can recover from is decoded (with damaged pixels), not refused.
    """
    raw = _to_bytes(data)
    if raw.startswith(_JPEG_MAGIC):
        layout = jpeg_layout(raw)
    elif raw.startswith(_PNG_MAGIC):
        layout = png_layout(raw)
    else:
        raise InvalidImage("the image is neither JPEG nor PNG")
    width, height = layout.width, layout.height
    factor, flags = _decode_plan(raw.startswith(_JPEG_MAGIC), width, height)
    try:
        pixels = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), flags | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error as exc:
        raise InvalidImage("the image could not be decoded") from exc
    if pixels is None or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise InvalidImage("the image could not be decoded")
    expected = (-(-height // factor), -(-width // factor))
    if pixels.shape[:2] != expected:
        raise InvalidImage("the decoded image does not match its header", details={"header": [width, height]})
    return Frame(pixels=pixels, source_width=width, source_height=height, scale=1.0 / factor)


def _to_bytes(data: bytes | str) -> bytes:
    """Raw image bytes from bytes (raw or base64) or text (base64 or data URL), with the size cap applied."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if raw.startswith((_JPEG_MAGIC, _PNG_MAGIC)):
            _check_bytes(len(raw))
            return raw
        text = raw
    elif isinstance(data, str):
        try:
            text = data.encode("ascii")
        except UnicodeEncodeError as exc:
            raise InvalidImage("the image text is not base64") from exc
    else:
        raise InvalidImage("the image must be bytes or text")
    text = text.strip()
    if not text:
        raise InvalidImage("the image is empty")
    if text[:5].lower() == b"data:":
        match = _DATA_URL.match(text)
        if match is None:
            raise InvalidImage("the data URL is not a base64 JPEG or PNG image")
        text = text[match.end():]
    text = text.translate(None, b" \t\r\n\v\f")
    _check_bytes(len(text) * 3 // 4 - text[-2:].count(b"="))  # exact: 4 base64 characters carry 3 bytes
    try:
        raw = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidImage("the image is neither JPEG/PNG bytes nor valid base64 text") from exc
    if not raw:
        raise InvalidImage("the image is empty")
    return raw


def _check_bytes(size: int) -> None:
    if size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(
            f"the image is larger than {MAX_IMAGE_BYTES} bytes",
            details={"max_bytes": MAX_IMAGE_BYTES, "bytes": size},
        )


def _decode_plan(is_jpeg: bool, width: int, height: int) -> tuple[int, int]:
    """The reduction factor and imdecode flags: JPEGs shrink in the codec while the longer side stays large."""
    if is_jpeg:
        longer = max(width, height)
        for factor, flags in _REDUCED_FLAGS:
            if longer // factor >= DECODE_MIN_SIDE:
                return factor, flags
    return 1, cv2.IMREAD_COLOR
