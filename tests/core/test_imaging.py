"""decode_image: every accepted form decodes once to a Frame; every bad input raises a typed error, never a crash."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from proctor_core.errors import ImageTooLarge, InvalidImage
from proctor_core.imaging import MAX_IMAGE_BYTES, MAX_SIDE, MIN_SIDE, decode_image
from proctor_core.types import Frame

DATA = Path(__file__).resolve().parents[1] / "data"


def encode(ext: str, width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    ok, buffer = cv2.imencode(ext, pixels)
    assert ok
    return buffer.tobytes()


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return (DATA / "grace_hopper.jpg").read_bytes()  # 410 x 480


@pytest.fixture(scope="module")
def png() -> bytes:
    return encode(".png", 120, 90)


# -- accepted forms ---------------------------------------------------------------------------------------------------


def test_raw_jpeg_bytes(jpeg: bytes) -> None:
    frame = decode_image(jpeg)
    assert isinstance(frame, Frame)
    assert (frame.source_width, frame.source_height) == (410, 480)
    assert frame.pixels.dtype == np.uint8 and frame.pixels.shape[2] == 3
    assert frame.width == round(410 * frame.scale) and frame.height == round(480 * frame.scale)


def test_base64_text_bytes_and_data_url_give_the_same_frame(jpeg: bytes) -> None:
    text = base64.b64encode(jpeg).decode("ascii")
    reference = decode_image(jpeg).pixels
    for form in (text, text.encode("ascii"), f"data:image/jpeg;base64,{text}", f"  {text}\n"):
        assert np.array_equal(decode_image(form).pixels, reference)


def test_base64_with_line_breaks_and_without_padding(jpeg: bytes) -> None:
    text = base64.encodebytes(jpeg).decode("ascii")  # MIME: a line break every 76 characters
    assert np.array_equal(decode_image(text).pixels, decode_image(jpeg).pixels)
    unpadded = base64.b64encode(jpeg[:-1] + b"\xd9").decode().rstrip("=")
    assert decode_image(unpadded).source_width == 410


def test_png_raw_and_data_url(png: bytes) -> None:
    for form in (png, "data:image/png;base64," + base64.b64encode(png).decode()):
        frame = decode_image(form)
        assert (frame.source_width, frame.source_height, frame.scale) == (120, 90, 1.0)
        assert frame.pixels.shape == (90, 120, 3)


def test_large_jpeg_is_decoded_reduced_and_says_so() -> None:
    frame = decode_image(encode(".jpg", 1280, 720))
    assert (frame.source_width, frame.source_height) == (1280, 720)
    assert frame.scale == 0.25
    assert frame.pixels.shape == (180, 320, 3)


def test_smallest_and_largest_sides_are_accepted() -> None:
    assert decode_image(encode(".jpg", MIN_SIDE, MIN_SIDE)).source_width == MIN_SIDE
    assert decode_image(encode(".jpg", MAX_SIDE, MIN_SIDE)).source_width == MAX_SIDE


# -- refused inputs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", "", "   \n", b"\x00" * 10, "aGVsbG8=", "not base64 at all!", "abcde", "data:image/jpeg;base64,", "ÿØÿ"],
    ids=["empty-bytes", "empty-text", "blank", "zeros", "b64-of-text", "punctuation", "bad-length", "empty-url",
         "non-ascii"],
)
def test_empty_garbage_and_bad_base64(data: bytes | str) -> None:
    with pytest.raises(InvalidImage):
        decode_image(data)


@pytest.mark.parametrize("value", [None, 42, ["x"]])
def test_wrong_type(value: object) -> None:
    with pytest.raises(InvalidImage):
        decode_image(value)  # type: ignore[arg-type]


def test_data_url_of_another_type(jpeg: bytes) -> None:
    with pytest.raises(InvalidImage):
        decode_image("data:image/gif;base64," + base64.b64encode(jpeg).decode())
    with pytest.raises(InvalidImage):
        decode_image("data:text/plain,hello")


@pytest.mark.parametrize("ext", [".bmp", ".webp", ".tiff"])
def test_other_image_formats(ext: str) -> None:
    data = encode(ext)
    with pytest.raises(InvalidImage):
        decode_image(data)
    with pytest.raises(InvalidImage):
        decode_image(base64.b64encode(data).decode())


def test_gif_and_text() -> None:
    for data in (b"GIF89a\x10\x00\x10\x00\x80\x00\x00" + b"\x00" * 40 + b";", b"hello, world\n" * 10):
        with pytest.raises(InvalidImage):
            decode_image(data)


@pytest.mark.parametrize("cut", [3, 20, 200, 2000, -2])
def test_truncated_jpeg(jpeg: bytes, cut: int) -> None:
    with pytest.raises(InvalidImage):
        decode_image(jpeg[:cut])


def test_truncated_png(png: bytes) -> None:
    for cut in (8, 30, len(png) // 2, len(png) - 1):
        with pytest.raises(InvalidImage):
            decode_image(png[:cut])


def test_corrupt_jpeg_structure(jpeg: bytes) -> None:
    with pytest.raises(InvalidImage):
        decode_image(jpeg[:3] + bytes(500) + b"\xff\xd9")


def test_corrupt_png_data(png: bytes) -> None:
    start = png.index(b"IDAT") + 4
    corrupt = png[:start] + bytes(len(png) - start - 12) + png[-12:]
    with pytest.raises(InvalidImage):
        decode_image(corrupt)


def test_too_large_raw_base64_and_data_url() -> None:
    big = b"\xff\xd8\xff" + bytes(MAX_IMAGE_BYTES)
    text = base64.b64encode(big).decode()
    for form in (big, text, "data:image/jpeg;base64," + text):
        with pytest.raises(ImageTooLarge) as info:
            decode_image(form)
        assert info.value.status_code == 413


def _with_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def _with_png_size(data: bytes, width: int, height: int) -> bytes:
    return data[:16] + struct.pack(">II", width, height) + data[24:]


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 100), (100, 60000), (65535, 65535), (MIN_SIDE - 1, 100), (0, 0)])
def test_crafted_header_sizes_are_refused_before_decoding(size: tuple[int, int]) -> None:
    for data in (_with_jpeg_size(encode(".jpg"), *size), _with_png_size(encode(".png"), *size)):
        with pytest.raises(InvalidImage) as info:
            decode_image(data)
        assert "between" in info.value.message


def test_real_images_outside_the_side_bounds() -> None:
    for width, height in ((8, 8), (MIN_SIDE - 1, 64), (MAX_SIDE + 1, MIN_SIDE)):
        with pytest.raises(InvalidImage):
            decode_image(encode(".jpg", width, height))


# -- fuzz -------------------------------------------------------------------------------------------------------------


def _outcome(data: bytes | str) -> str:
    try:
        decode_image(data)
    except (InvalidImage, ImageTooLarge):
        return "refused"
    return "decoded"


def test_fuzz_random_bytes_never_crash() -> None:
    rng = np.random.default_rng(1)
    for i in range(200):
        body = rng.integers(0, 256, int(rng.integers(0, 3000)), dtype=np.uint8).tobytes()
        prefix = (b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")[i % 3]
        assert _outcome(prefix + body) == "refused"
        assert _outcome(base64.b64encode(prefix + body).decode()) == "refused"


def test_fuzz_truncations_and_bit_flips_never_crash(jpeg: bytes, png: bytes) -> None:
    rng = np.random.default_rng(2)
    for data in (jpeg, png):
        for cut in range(0, len(data) - 1, max(1, len(data) // 150)):
            assert _outcome(data[:cut]) == "refused"
        for _ in range(150):
            flipped = bytearray(data)
            for position in rng.integers(0, len(data), int(rng.integers(1, 20))):
                flipped[position] = int(rng.integers(0, 256))
            assert _outcome(bytes(flipped)) in {"refused", "decoded"}
