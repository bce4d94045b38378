"""Image bombs are refused from their structure, in milliseconds and without decoding; normal frames still decode."""

from __future__ import annotations

import importlib.util
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor_core import image_limits, imaging
from proctor_core.errors import ImageTooComplex, ImageTooLarge, InvalidImage
from proctor_core.imaging import decode_image

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bombs", ROOT / "bench" / "bombs.py")
bombs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bombs)


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if OpenCV is asked to decode anything."""
    def refuse(*args, **kwargs):
        raise AssertionError("cv2.imdecode was called")
    monkeypatch.setattr(imaging.cv2, "imdecode", refuse)


def refusal(data: bytes) -> tuple[Exception, float, int]:
    """The error decode_image raises, its CPU seconds, and the peak of Python allocations in bytes.

    Timed and traced in two runs: tracing allocations slows Python code down tenfold.
    """
    started = time.process_time()
    error = _error(data)
    elapsed = time.process_time() - started
    tracemalloc.start()
    try:
        _error(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return error, elapsed, peak


def _error(data: bytes) -> Exception:
    try:
        decode_image(data)
    except (InvalidImage, ImageTooLarge) as exc:
        return exc
    raise AssertionError("the image was accepted")


def encode(ext: str, width: int, height: int, params: list[int] | None = None, seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    ok, buffer = cv2.imencode(ext, pixels, params or [])
    assert ok
    return buffer.tobytes()


# -- the bombs of the report -------------------------------------------------------------------------------------------


def test_the_bombs_are_what_the_report_describes() -> None:
    made = bombs.bombs()
    assert len(made["png_2gib_chunk"]) == 357
    assert struct.unpack_from(">I", made["png_2gib_chunk"], 33)[0] == 2**31 - 1
    assert made["jpeg_60000_scans"].count(b"\xff\xda") == 60_000
    assert len(made["jpeg_60000_scans"]) <= imaging.MAX_IMAGE_BYTES  # under the byte cap: only the walk stops it
    assert 130_000 <= len(made["jpeg_3800_scans"]) <= 140_000


@pytest.mark.parametrize("name", ["png_2gib_chunk", "jpeg_60000_scans", "jpeg_3800_scans"])
def test_each_bomb_is_refused_in_milliseconds_without_decoding(name: str, no_decoding) -> None:
    error, cpu_s, peak = refusal(bombs.bombs()[name])
    assert isinstance(error, ImageTooComplex)
    assert (error.status_code, error.code) == (422, "image_too_complex")
    assert cpu_s < 0.05, f"{name} took {cpu_s * 1000:.1f} ms of CPU"
    assert peak < 6 * 1024 * 1024, f"{name} allocated {peak} bytes"  # the 2 MB body is copied once at most


def test_a_few_scans_more_than_the_limit_are_refused_and_the_limit_is_accepted() -> None:
    at_limit = bombs.many_scan_jpeg(image_limits.MAX_JPEG_SCANS, width=256, height=256)
    assert decode_image(at_limit).source_width == 256
    error, _, _ = refusal(bombs.many_scan_jpeg(image_limits.MAX_JPEG_SCANS + 1, width=256, height=256))
    assert "scans" in str(error)


def test_too_much_work_in_few_scans_is_refused(no_decoding) -> None:
    data = bombs.many_scan_jpeg(16, width=2048, height=2048)  # 16 passes over 98,304 blocks
    error, _, _ = refusal(data)
    assert isinstance(error, ImageTooComplex) and error.details["scans"] == 16


def test_normal_progressive_jpeg_is_accepted() -> None:
    data = encode(".jpg", 640, 480, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert image_limits.jpeg_layout(data).progressive
    assert decode_image(data).source_width == 640


def test_large_progressive_jpeg_is_refused(no_decoding) -> None:
    data = encode(".jpg", 1024, 768, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_QUALITY, 90])
    assert len(data) > image_limits.MAX_PROGRESSIVE_BYTES
    error, _, _ = refusal(data)
    assert isinstance(error, ImageTooComplex) and error.details["bytes"] == len(data)


# -- PNG structure -----------------------------------------------------------------------------------------------------


def png(width: int, height: int, *, depth: int = 8, colour: int = 2, extra: bytes = b"", idat: bytes | None = None,
        after: bytes = b"") -> bytes:
    channels = {0: 1, 2: 3, 6: 4}[colour]
    raw = b"".join(b"\x00" + bytes(width * channels * depth // 8) for _ in range(height))
    header = bombs.png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    return (b"\x89PNG\r\n\x1a\n" + header
            + extra + bombs.png_chunk(b"IDAT", zlib.compress(raw, 9) if idat is None else idat)
            + bombs.png_chunk(b"IEND", b"") + after)


def test_hand_built_png_is_accepted() -> None:
    assert decode_image(png(64, 48)).pixels.shape == (48, 64, 3)


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (png(64, 48, idat=b"x"), ImageTooComplex, "more pixels than its image data"),
        (png(1024, 1024, idat=zlib.compress(bytes(1000))), ImageTooComplex, "more pixels than its image data"),
        (png(64, 48, depth=16), ImageTooComplex, "16-bit"),
        (png(2048, 1200), ImageTooLarge, "at most"),
        (png(64, 48, extra=bombs.png_chunk(b"acTL", bytes(8))), ImageTooComplex, "animated"),
        (png(64, 48, extra=bombs.png_chunk(b"iCCP", bytes(300_000))), ImageTooComplex, "ancillary"),
        (png(64, 48, extra=bombs.png_chunk(b"tEXt", b"") * 5000), ImageTooComplex, "chunks"),
        (png(64, 48, extra=bombs.png_chunk(b"IDAT", b"x", declared=10**6)), ImageTooComplex, "only"),
        (png(64, 48, after=b"trailing"), InvalidImage, "after its IEND"),
        (png(64, 48, extra=bombs.png_chunk(b"IHDR", bytes(13))), InvalidImage, "two IHDR"),
    ],
    ids=["tiny-data", "zlib-ratio", "16-bit", "pixels", "apng", "ancillary", "chunk-count", "chunk-length",
         "after-iend", "two-ihdr"],
)
def test_png_structure_limits(data: bytes, error: type[Exception], words: str, no_decoding) -> None:
    raised, cpu_s, _ = refusal(data)
    assert type(raised) is error
    assert words in str(raised)
    assert cpu_s < 0.05


# -- JPEG structure ----------------------------------------------------------------------------------------------------


def _patch_sof(data: bytes, *, marker: int | None = None, width: int | None = None, height: int | None = None) -> bytes:
    sof = data.index(b"\xff\xc0")
    patched = bytearray(data)
    if marker is not None:
        patched[sof + 1] = marker
    if width is not None and height is not None:
        patched[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(patched)


def test_jpeg_declaring_more_pixels_than_its_data_holds(no_decoding) -> None:
    data = _patch_sof(encode(".jpg", 64, 48), width=2048, height=2048)
    error, _, _ = refusal(data)
    assert isinstance(error, ImageTooComplex) and "than its data can hold" in str(error)


def test_jpeg_over_the_pixel_limit_is_413(no_decoding) -> None:
    data = _patch_sof(encode(".jpg", 64, 48), width=4096, height=1100)
    error, _, _ = refusal(data)
    assert isinstance(error, ImageTooLarge) and error.status_code == 413


@pytest.mark.parametrize("marker", [0xC3, 0xC9, 0xCA, 0xC5])
def test_lossless_arithmetic_and_hierarchical_jpeg_are_refused(marker: int, no_decoding) -> None:
    error, _, _ = refusal(_patch_sof(encode(".jpg", 64, 48), marker=marker))
    assert "coding that is not accepted" in str(error)


def test_jpeg_with_two_frame_headers_is_refused(no_decoding) -> None:
    data = encode(".jpg", 64, 48)
    sof = data.index(b"\xff\xc0")
    length = struct.unpack_from(">H", data, sof + 2)[0]
    doubled = data[: sof + 2 + length] + data[sof : sof + 2 + length] + data[sof + 2 + length :]
    error, _, _ = refusal(doubled)
    assert "more than one frame header" in str(error)


def test_jpeg_segment_longer_than_the_file(no_decoding) -> None:
    data = encode(".jpg", 64, 48)
    error, _, _ = refusal(data[:2] + b"\xff\xe1\xff\xff" + data[2:200])
    assert "longer than the image" in str(error)


def test_jpeg_with_thousands_of_segments(no_decoding) -> None:
    data = encode(".jpg", 64, 48)
    error, _, _ = refusal(data[:2] + b"\xff\xfe\x00\x03x" * (image_limits.MAX_JPEG_SEGMENTS + 1) + data[2:])
    assert "segments" in str(error)
