"""Synthetic webcam frames built from the labelled faces: a small second person beside a near candidate, the
candidate alone, and groups.

Every frame is 640x480 over a labelled empty room, JPEG quality 50 and base64 as the widget sends it. Faces are
square head crops (:data:`CROP_SIDE` face heights) cut from the labelled single-face images without degradation,
scaled so that the face box is the wanted height. A face's centre and height in its source are measured once with
BlazeFace full range (:func:`measure_face`), so only sources in which it finds exactly one face take part.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from proctor_vision.blazeface import FULL_RANGE, BlazeFace

FRAME_W, FRAME_H = 640, 480
CROP_SIDE = 1.8
"""Side of a pasted head crop, in face heights."""

CANDIDATE_PX = 170
"""Face height of the near candidate: a head about 40 cm from a laptop camera."""

CANDIDATE_CENTRE = (320, 250)
SECOND_PLACES = {
    "left top": (80, 90), "left middle": (80, 240), "left bottom": (80, 390),
    "right top": (560, 90), "right middle": (560, 240), "right bottom": (560, 390),
}
"""Where the second person's face centre goes: beside the candidate's head, clear of it for faces up to 80 px."""

LONE_HEIGHTS = (100, 170, 250)
GROUPS = ((3, 1, 3, None), (4, 2, 2, None), (5, 1, 5, 45), (6, 2, 3, None), (12, 3, 4, None))
"""Group frames: faces, rows, columns, face height; each cell holds one face, as large as the cell allows when no
height is given."""

BACKGROUND = "none_obama3_room_floor.jpg"


@dataclass(frozen=True, slots=True)
class Synthetic:
    """One synthetic frame: its row in the report, the candidate's source image, the true face count, and the
    base64 JPEG."""

    kind: str  # "pair", "lone" or "group"
    size: int  # second face height (pair), face height (lone), faces (group)
    place: str
    source: str
    faces: int
    text: str


def sources(images: list[dict], blobs: dict[str, bytes]) -> list[tuple[str, np.ndarray]]:
    """The undegraded labelled single-face images (the 1280x720 copy included): name and BGR pixels."""
    chosen = [
        im for im in images
        if im["face_count"] == 1 and im.get("orientation") and not set(im.get("tags", [])) - {"1280x720"}
    ]
    return [(im["file"], cv2.imdecode(np.frombuffer(blobs[im["file"]], np.uint8), cv2.IMREAD_COLOR)) for im in chosen]


def face_measurer() -> Callable[[np.ndarray], tuple[float, float, float] | None]:
    """A function giving the centre x, centre y and height of the one face in a BGR image, or ``None``."""
    model = BlazeFace(FULL_RANGE)
    size = FULL_RANGE.input_size

    def measure(pixels: np.ndarray) -> tuple[float, float, float] | None:
        height, width = pixels.shape[:2]
        factor = size / max(height, width)
        new_w, new_h = round(width * factor), round(height * factor)
        left, top = (size - new_w) // 2, (size - new_h) // 2
        resized = cv2.resize(pixels, (new_w, new_h), interpolation=cv2.INTER_AREA)
        square = cv2.copyMakeBorder(resized, top, size - new_h - top, left, size - new_w - left, cv2.BORDER_CONSTANT)
        found = model.detect(square)
        if len(found) != 1:
            return None
        d = found[0]
        centre_x, centre_y = ((d.xmin + d.xmax) / 2 - left) / factor, ((d.ymin + d.ymax) / 2 - top) / factor
        return centre_x, centre_y, (d.ymax - d.ymin) / factor

    return measure


def head_crops(
    faces: list[tuple[str, np.ndarray]], measure: Callable[[np.ndarray], tuple[float, float, float] | None]
) -> list[tuple[str, np.ndarray, float]]:
    """Square crops around each source's face (edges replicated): name, crop, face height in the crop."""
    crops = []
    for name, pixels in faces:
        found = measure(pixels)  # centre x, centre y, height
        if found is None:
            continue
        cx, cy, height = found
        side = int(round(height * CROP_SIDE))
        warp = np.float32([[1, 0, side / 2 - cx], [0, 1, side / 2 - cy]])
        crop = cv2.warpAffine(pixels, warp, (side, side), borderMode=cv2.BORDER_REPLICATE)
        crops.append((name, crop, height))
    return crops


def paste(canvas: np.ndarray, crop: tuple[str, np.ndarray, float], face_px: float, centre: tuple[int, int]) -> None:
    """Scale ``crop`` so its face is ``face_px`` high and paste it centred at ``centre`` (clipped to the frame)."""
    _, pixels, height = crop
    factor = face_px / height
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    small = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=interpolation)
    h, w = small.shape[:2]
    x0, y0 = centre[0] - w // 2, centre[1] - h // 2
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = min(x0 + w, canvas.shape[1]), min(y0 + h, canvas.shape[0])
    canvas[fy0:fy1, fx0:fx1] = small[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0]


def encode(canvas: np.ndarray) -> str:
    ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 50])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return base64.b64encode(jpeg.tobytes()).decode("ascii")


def frames(
    crops: list[tuple[str, np.ndarray, float]], background: np.ndarray, second_heights: tuple[int, ...]
) -> list[Synthetic]:
    """Pair frames (every candidate, every place, every second-face height; the second person is another
    source), lone candidates at :data:`LONE_HEIGHTS`, and :data:`GROUPS` (three frames each)."""
    background = cv2.resize(background, (FRAME_W, FRAME_H), interpolation=cv2.INTER_AREA)
    out = []
    n = len(crops)
    for i, candidate in enumerate(crops):
        for k, (place, centre) in enumerate(SECOND_PLACES.items()):
            second = crops[(i + 1 + k % (n - 1)) % n]
            for height in second_heights:
                canvas = background.copy()
                paste(canvas, candidate, CANDIDATE_PX, CANDIDATE_CENTRE)
                paste(canvas, second, height, centre)
                out.append(Synthetic("pair", height, place, candidate[0], 2, encode(canvas)))
        for height in LONE_HEIGHTS:
            canvas = background.copy()
            paste(canvas, candidate, height, (CANDIDATE_CENTRE[0], max(CANDIDATE_CENTRE[1], int(height * 0.9))))
            out.append(Synthetic("lone", height, "centre", candidate[0], 1, encode(canvas)))
    for count, rows, cols, height in GROUPS:
        cell_w, cell_h = FRAME_W // cols, FRAME_H // rows
        face_px = height or min(cell_w, cell_h) / CROP_SIDE * 0.95
        for offset in range(0, n, 3):
            canvas = background.copy()
            for cell in range(count):
                r, c = divmod(cell, cols)
                centre = (c * cell_w + cell_w // 2, r * cell_h + cell_h // 2)
                paste(canvas, crops[(offset + cell) % n], face_px, centre)
            place = f"{rows}x{cols}, {face_px:.0f} px"
            out.append(Synthetic("group", count, place, crops[offset][0], count, encode(canvas)))
    return out
