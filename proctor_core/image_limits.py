"""Image limits checked before any pixel is decoded: a walk over the PNG chunks or the JPEG markers.

A decoder trusts what a file declares: a PNG chunk length of 2 GiB is allocated before the bytes behind it are
read, and every scan of a progressive JPEG is a pass over the whole image. So the file's structure is walked
first, in time linear in its size and with no allocation beyond it, and refused when it declares

- a chunk or segment longer than the bytes that follow, or an unknown structure (APNG, arithmetic coding);
- more pixels than :data:`MAX_PIXELS` (:data:`MAX_PNG_PIXELS` for a PNG, decoded at full size), or more than
  the bytes present can encode; 16 bits per sample;
- more scans than :data:`MAX_JPEG_SCANS`, more decoding work (blocks times scans) than :data:`MAX_BLOCK_SCANS`,
  or a progressive JPEG larger than :data:`MAX_PROGRESSIVE_BYTES`.

With these limits the costliest accepted frame decodes in about 30 ms of CPU (a VGA webcam frame: about 3 ms)
and a refused one costs under 5 ms; see ``bench/bombs.py``.

:mod:`proctor_core.imaging` calls these walkers and decodes only what they accept.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from proctor_core.errors import ImageTooComplex, ImageTooLarge, InvalidImage

MAX_SIDE = 4096
"""Largest accepted width or height, in pixels, read from the header."""

MIN_SIDE = 16
"""Smallest accepted width or height, in pixels."""

MAX_PIXELS = 2048 * 2048
"""Most pixels (width x height) of an accepted frame: about four 1080p webcam frames' worth, 13 times a VGA one."""

MAX_PNG_PIXELS = 1920 * 1088
"""Most pixels of an accepted PNG, which is always decoded at full size (a JPEG is decoded reduced): 1080p."""

MAX_JPEG_SCANS = 16
"""Most scans in one JPEG: a baseline image has one, a common progressive one about ten."""

MAX_BLOCK_SCANS = 1_000_000
"""Most 8x8 blocks times scans in one JPEG: the entropy decoder's work (a 1080p progressive frame needs ~500,000)."""

MAX_PROGRESSIVE_BYTES = 512 * 1024
"""Largest accepted progressive JPEG, in bytes: each byte costs about five times a baseline byte to decode."""

MAX_PNG_CHUNKS = 4096
"""Most chunks in one PNG (an encoder writes a few, plus one IDAT per 8-64 kB of data)."""

MAX_PNG_ANCILLARY_BYTES = 256 * 1024
"""Most bytes of PNG chunks other than IDAT (text, colour profiles: some are decompressed by the decoder)."""

MAX_JPEG_SEGMENTS = 512
"""Most marker segments in one JPEG (tables, application data, scans)."""

DEFLATE_MAX_RATIO = 1032
"""Deflate's largest expansion: no zlib stream of n bytes inflates to more than about 1032 n bytes."""

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}  # valid per the standard
_APNG_CHUNKS = frozenset({b"acTL", b"fcTL", b"fdAT"})

# Start-of-frame markers that OpenCV decodes: baseline, extended sequential and progressive Huffman coding.
_JPEG_SOF_SUPPORTED = frozenset({0xC0, 0xC1, 0xC2})
# Other start-of-frame markers: lossless, hierarchical, arithmetic coding; never written by a browser or a webcam.
_JPEG_SOF_OTHER = frozenset({0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})
# After entropy-coded data, the next marker: 0xFF followed by anything but stuffing (00), a restart (D0-D7) or fill.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True, slots=True)
class ImageLayout:
    """What an image's structure declares: its size, and how much work decoding it is."""

    width: int
    height: int
    progressive: bool = False
    scans: int = 1


def png_layout(raw: bytes) -> ImageLayout:
    """Walk every chunk of a PNG: IHDR first, lengths within the file, IEND last, nothing after it.

    :raises InvalidImage: corrupt or truncated structure.
    :raises ImageTooComplex: an animated PNG, too many chunks or ancillary bytes, or more pixels than the image
        data can hold.
    """
    if not raw.startswith(_PNG_MAGIC):
        raise InvalidImage("the image is not a PNG")
    pos, end = len(_PNG_MAGIC), len(raw)
    header: tuple[int, ...] | None = None
    idat = ancillary = chunks = 0
    while True:
        if pos + 12 > end:
            raise InvalidImage("the PNG image is truncated (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", raw, pos)
        if length > end - pos - 12:
            raise ImageTooComplex(
                f"a PNG chunk declares {length} bytes but only {end - pos - 12} follow",
                details={"chunk": kind.decode("latin-1"), "declared": length},
            )
        chunks += 1
        if chunks > MAX_PNG_CHUNKS:
            raise ImageTooComplex(f"the PNG has more than {MAX_PNG_CHUNKS} chunks")
        if header is None:
            if kind != b"IHDR" or length != 13:
                raise InvalidImage("the PNG header is corrupt or truncated")
            header = struct.unpack_from(">IIBBBBB", raw, pos + 8)
        elif kind == b"IDAT":
            idat += length
        elif kind == b"IEND":
            if pos + 12 + length != end:
                raise InvalidImage("the PNG image has data after its IEND chunk")
            break
        elif kind in _APNG_CHUNKS:
            raise ImageTooComplex("animated PNG images are not accepted")
        elif kind == b"IHDR":
            raise InvalidImage("the PNG image has two IHDR chunks")
        else:
            ancillary += length
            if ancillary > MAX_PNG_ANCILLARY_BYTES:
                raise ImageTooComplex(f"the PNG has more than {MAX_PNG_ANCILLARY_BYTES} bytes of ancillary chunks")
        pos += 12 + length
    width, height, depth, colour, compression, filtering, interlace = header
    if colour not in _PNG_DEPTHS or depth not in _PNG_DEPTHS[colour] or compression or filtering or interlace > 1:
        raise InvalidImage("the PNG header is corrupt", details={"bit_depth": depth, "colour_type": colour})
    if not idat:
        raise InvalidImage("the PNG image has no image data")
    check_size(width, height)
    if depth > 8:
        raise ImageTooComplex("16-bit PNG images are not accepted (a camera frame has 8 bits per sample)")
    if width * height > MAX_PNG_PIXELS:
        raise ImageTooLarge(
            f"a PNG image may have at most {MAX_PNG_PIXELS} pixels",
            details={"width": width, "height": height, "max_pixels": MAX_PNG_PIXELS},
        )
    row_bytes = (width * _PNG_CHANNELS[colour] * depth + 7) // 8 + 1
    if height * row_bytes > idat * DEFLATE_MAX_RATIO:
        raise ImageTooComplex(
            "the PNG declares more pixels than its image data can hold",
            details={"width": width, "height": height, "data_bytes": idat},
        )
    return ImageLayout(width=width, height=height, progressive=bool(interlace), scans=7 if interlace else 1)


def jpeg_layout(raw: bytes) -> ImageLayout:
    """Walk the marker segments of a JPEG, skipping over entropy-coded data, to its end-of-image marker.

    :raises InvalidImage: corrupt or truncated structure, no or several frame headers, unsupported coding.
    :raises ImageTooComplex: too many segments or scans, too much decoding work, or more blocks than the bytes can
        hold.
    """
    if not raw.startswith(b"\xff\xd8"):
        raise InvalidImage("the image is not a JPEG")
    pos, end = 2, len(raw)
    frame: tuple[int, int, int] | None = None  # width, height, blocks of all components
    full_blocks = progressive = 0
    scans = segments = scan_bytes = 0
    while True:
        if pos + 2 > end:
            raise InvalidImage("the JPEG image is truncated (no end-of-image marker)")
        if raw[pos] != 0xFF:
            raise InvalidImage("the JPEG structure is corrupt")
        marker = raw[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            break
        if marker in _JPEG_NO_LENGTH:
            pos += 2
            continue
        if pos + 4 > end:
            raise InvalidImage("the JPEG image is truncated")
        (length,) = struct.unpack_from(">H", raw, pos + 2)
        if length < 2 or pos + 2 + length > end:
            raise InvalidImage("a JPEG segment is longer than the image")
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise ImageTooComplex(f"the JPEG has more than {MAX_JPEG_SEGMENTS} segments")
        if marker in _JPEG_SOF_OTHER:
            raise InvalidImage("the JPEG uses a coding that is not accepted (lossless, hierarchical or arithmetic)")
        if marker in _JPEG_SOF_SUPPORTED:
            if frame is not None:
                raise InvalidImage("the JPEG has more than one frame header")
            frame, full_blocks = _jpeg_frame(raw, pos, length)
            progressive = marker == 0xC2
        pos += 2 + length
        if marker == 0xDA:
            if frame is None:
                raise InvalidImage("the JPEG has a scan before its frame header")
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise ImageTooComplex(
                    f"the JPEG has more than {MAX_JPEG_SCANS} scans", details={"max_scans": MAX_JPEG_SCANS}
                )
            found = _JPEG_NEXT_MARKER.search(raw, pos)
            if found is None:
                raise InvalidImage("the JPEG image is truncated (no end-of-image marker)")
            scan_bytes += found.start() - pos
            pos = found.start()
    if frame is None or not scans:
        raise InvalidImage("the JPEG has no frame header or no scan")
    width, height, blocks = frame
    check_size(width, height)
    if blocks * scans > MAX_BLOCK_SCANS:
        raise ImageTooComplex(
            f"decoding this JPEG takes {blocks * scans} block passes; at most {MAX_BLOCK_SCANS} are accepted",
            details={"blocks": blocks, "scans": scans},
        )
    if progressive and len(raw) > MAX_PROGRESSIVE_BYTES:
        raise ImageTooComplex(
            f"a progressive JPEG may have at most {MAX_PROGRESSIVE_BYTES} bytes",
            details={"bytes": len(raw), "max_bytes": MAX_PROGRESSIVE_BYTES},
        )
    if scan_bytes * 8 < full_blocks:  # every block of a full-resolution component costs at least one bit
        raise ImageTooComplex(
            "the JPEG declares more pixels than its data can hold",
            details={"width": width, "height": height, "data_bytes": scan_bytes},
        )
    return ImageLayout(width=width, height=height, progressive=bool(progressive), scans=scans)


def _jpeg_frame(raw: bytes, pos: int, length: int) -> tuple[tuple[int, int, int], int]:
    """(width, height, blocks of all components) and the block count of a full-resolution component."""
    if length < 8:
        raise InvalidImage("the JPEG frame header is corrupt")
    height, width, count = struct.unpack_from(">HHB", raw, pos + 5)
    if count not in (1, 3, 4) or length != 8 + 3 * count:
        raise InvalidImage("the JPEG frame header is corrupt", details={"components": count})
    factors = [(raw[pos + 11 + 3 * i] >> 4, raw[pos + 11 + 3 * i] & 0x0F) for i in range(count)]
    if any(not (1 <= h <= 4 and 1 <= v <= 4) for h, v in factors):
        raise InvalidImage("the JPEG frame header is corrupt")
    h_max, v_max = max(h for h, _ in factors), max(v for _, v in factors)
    blocks = sum(
        -(-width * h // (8 * h_max)) * -(-height * v // (8 * v_max)) for h, v in factors
    )
    return (width, height, blocks), -(-width // 8) * -(-height // 8)


def check_size(width: int, height: int) -> None:
    """:raises InvalidImage: a side outside [:data:`MIN_SIDE`, :data:`MAX_SIDE`].
    :raises ImageTooLarge: more than :data:`MAX_PIXELS` pixels.
    """
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidImage(
            f"image sides must be between {MIN_SIDE} and {MAX_SIDE} pixels",
            details={"width": width, "height": height},
        )
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(
            f"the image has more than {MAX_PIXELS} pixels",
            details={"width": width, "height": height, "max_pixels": MAX_PIXELS},
        )
