"""The built-in face finder: MediaPipe BlazeFace short range through ONNX Runtime, one pass for most frames.

The whole frame is read once at :data:`PASS_BOX` (256 x 192, letterboxed: twice MediaPipe's 128 across, so a 40 px
face in a 640 x 480 frame is 16 input pixels, which the model still sees). Faces scoring at least the
model's threshold (0.6) count. Further passes run only where they can change the verdict:

- a weaker detection (from :data:`CANDIDATE_SCORE`) that is small in the input, where the score is unreliable, and
  apart from the faces found is a candidate second person: the model looks again at a crop around it and it counts
  only if a face of about its size is there (at most :data:`MAX_CHECKED` per frame);
- a detection larger than :data:`CLOSE_UP_PX` makes the frame a close-up, beyond the scale the model was trained
  on: the frame is read again at :data:`CLOSE_UP_BOX` and its large faces come from that pass;
- a lone face that is small in the input, or whose yaw estimate is off-centre, gets its pose from a crop around it,
  where its keypoints are precise.

Boxes are mapped back to the image as sent; faces too small to count are dropped; when no face is left, the frame's
capture quality says whether "no face" can be trusted. Boxes may reach past the image border for a face the border
cuts.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from proctor_core.types import CaptureQuality, FaceBox, Frame, FrameAnalysis
from proctor_vision.blazeface import SHORT_RANGE, BlazeFace
from proctor_vision.pose import estimate_pose
from proctor_vision.quality import capture_quality

PASS_BOX = (256, 192)
"""The whole-frame model input (width, height): a 4:3 frame fills it, others are letterboxed (a 16:9 frame is read
at 256 x 144 with black bars). The height limit keeps a face that fills a portrait frame within the model's reach
(it was trained on 128 x 128 inputs)."""

MIN_FACE_PX = 36.0
"""Faces shorter than this, in pixels of the image as sent, are background faces and not counted."""

CANDIDATE_SCORE = 0.3
"""A detection scoring between this and the model's threshold (0.6) may be a candidate for a second look."""

CHECK_BELOW_PX = 24.0
"""Only candidates shorter than this in the whole-frame input get a second look; the model's score is reliable for
larger faces, and larger candidates are dropped."""

MAX_CHECKED = 3
"""At most this many candidates per frame get a second look (the highest scoring first)."""

CLOSE_UP_PX = 80.0
"""A detection taller than this in the whole-frame input makes the frame a close-up: a face that fills much of the
frame is outside the scale the model was trained on (128 x 128 inputs), so the frame is read again at
:data:`CLOSE_UP_BOX`, and its large faces are taken from that pass."""

CLOSE_UP_BOX = (128, 96)

CLOSE_UP_MARGIN = 0.25
"""In a close-up, a face of the whole-frame pass is dropped as a detail (an ear, an eye) of a large face when it
overlaps that face's box grown by this fraction on every side."""

SAME_FACE_OVERLAP = 0.3
"""Two boxes whose intersection covers this much of the smaller one are one face (or a face and a detail of it)."""

REFINE_FROM_DEG = 20.0
"""A lone face whose first yaw estimate reaches this is looked at again on a crop before its pose is judged."""

REFINE_BELOW_PX = 24.0
"""A lone face shorter than this in the whole-frame input is always looked at again (coarse keypoints)."""

CROP_SIDE = 128
"""Side of the model input for a second look."""

CHECK_CROP = 3.0
"""Side of the crop that checks a candidate, in candidate-box heights."""

REFINE_CROP = 2.0
"""Side of the crop that refines a lone face's pose, in face-box sides."""


class BlazeFaceFinder:
    """Finds faces with BlazeFace short range on a :data:`PASS_BOX` input, looking again only where that can change
    the verdict (see the module's description)."""

    name = "blazeface-short-256"

    def __init__(self, *, min_face_px: float = MIN_FACE_PX, max_checked: int = MAX_CHECKED) -> None:
        self.min_face_px = min_face_px
        self.max_checked = max_checked
        self._model = BlazeFace(SHORT_RANGE)
        for width, height in (PASS_BOX, (CROP_SIDE, CROP_SIDE), CLOSE_UP_BOX):  # the first run of each input
            self._model.detect(np.zeros((height, width, 3), np.uint8))  # shape allocates; no frame pays for it

    def find(self, frame: Frame) -> FrameAnalysis:
        """Faces in ``frame``, in the coordinates of the image as sent."""
        wide, to_input = self._pass(frame, PASS_BOX, CANDIDATE_SCORE)
        strong = [face for face in wide if face.score >= SHORT_RANGE.min_score]
        faces = [face for face in strong if face.height * to_input <= CLOSE_UP_PX]
        if any(face.height * to_input > CLOSE_UP_PX for face in wide):
            near, _ = self._pass(frame, CLOSE_UP_BOX, SHORT_RANGE.min_score)
            large = near or [face for face in strong if face.height * to_input > CLOSE_UP_PX]
            faces = large + [f for f in faces if not any(_same_face(f, n, grow=CLOSE_UP_MARGIN) for n in large)]
        candidates = [
            face for face in wide
            if face.score < SHORT_RANGE.min_score and face.height * to_input < CHECK_BELOW_PX
            and not any(_same_face(face, other) for other in faces)
        ]
        confirmed: list[FaceBox] = []
        for candidate in candidates[: self.max_checked]:  # highest score first
            found = self._look_again(frame, candidate, CHECK_CROP, same_size=True)
            if found is not None and not any(_same_face(found, other) for other in faces + confirmed):
                confirmed.append(found)
        faces += confirmed
        if len(faces) == 1 and not confirmed and self._needs_refining(faces[0], to_input):
            faces[0] = self._refine(frame, faces[0])
        quality = CaptureQuality.OK if faces else capture_quality(frame.pixels)
        return FrameAnalysis(faces=tuple(faces), width=frame.source_width, height=frame.source_height, quality=quality)

    def _pass(self, frame: Frame, box: tuple[int, int], min_score: float) -> tuple[list[FaceBox], float]:
        """One whole-frame pass within ``box``: the faces tall enough to count, highest score first, in pixels as
        sent, and the factor from pixels as sent to input pixels."""
        image, left, top, factor = _fit(frame.pixels, box)
        to_sent = 1 / factor / frame.scale
        faces = []
        for d in self._model.detect(image, min_score=min_score):
            if (d.ymax - d.ymin) * to_sent >= self.min_face_px:
                pose = estimate_pose(d.keypoints)
                x, y = (d.xmin - left) * to_sent, (d.ymin - top) * to_sent
                w, h = (d.xmax - d.xmin) * to_sent, (d.ymax - d.ymin) * to_sent
                faces.append(FaceBox(x, y, w, h, d.score, pose.yaw_deg, pose.turned))
        return faces, 1 / to_sent

    @staticmethod
    def _needs_refining(face: FaceBox, to_input: float) -> bool:
        """Keypoints of a face small in the input are coarse; an off-centre first estimate needs a check.
        ``to_input`` maps pixels as sent to whole-frame input pixels."""
        small = face.height * to_input < REFINE_BELOW_PX
        return small or face.yaw_deg is None or abs(face.yaw_deg) >= REFINE_FROM_DEG

    def _look_again(self, frame: Frame, face: FaceBox, crop_factor: float, *, same_size: bool) -> FaceBox | None:
        """Run the model on a square crop ``crop_factor`` times the height of ``face`` around its centre: the face
        nearest the crop's centre (pixels as sent), or ``None``. With ``same_size``, only a face within a factor of
        two of ``face``'s height counts."""
        centre_x = (face.x + face.width / 2) * frame.scale
        centre_y = (face.y + face.height / 2) * frame.scale
        zoom = CROP_SIDE / max(face.height * frame.scale * crop_factor, 1.0)
        warp = np.array(
            [[zoom, 0, CROP_SIDE / 2 - centre_x * zoom], [0, zoom, CROP_SIDE / 2 - centre_y * zoom]], dtype=np.float32
        )
        crop = cv2.warpAffine(frame.pixels, warp, (CROP_SIDE, CROP_SIDE), flags=cv2.INTER_LINEAR)
        expected = CROP_SIDE / crop_factor
        found = [
            d for d in self._model.detect(crop)
            if abs(d.xmin + d.xmax - CROP_SIDE) < CROP_SIDE / 2 and abs(d.ymin + d.ymax - CROP_SIDE) < CROP_SIDE / 2
            and (not same_size or expected / 2 < d.ymax - d.ymin < expected * 2)
        ]
        if not found:
            return None
        best = min(found, key=lambda d: abs(d.xmin + d.xmax - CROP_SIDE) + abs(d.ymin + d.ymax - CROP_SIDE))
        to_sent = 1 / zoom / frame.scale
        x = face.x + face.width / 2 + (best.xmin - CROP_SIDE / 2) * to_sent
        y = face.y + face.height / 2 + (best.ymin - CROP_SIDE / 2) * to_sent
        pose = estimate_pose(best.keypoints)
        height = (best.ymax - best.ymin) * to_sent
        if height < self.min_face_px:
            return None
        return FaceBox(x, y, (best.xmax - best.xmin) * to_sent, height, best.score, pose.yaw_deg, pose.turned)

    def _refine(self, frame: Frame, face: FaceBox) -> FaceBox:
        """Re-estimate the pose of ``face`` from a crop around it; keep the first estimate if the crop finds none."""
        found = self._look_again(frame, face, REFINE_CROP * max(face.width, face.height) / face.height, same_size=False)
        if found is None:
            return face
        return dataclasses.replace(face, yaw_deg=found.yaw_deg, turned=found.turned)


def _same_face(face: FaceBox, other: FaceBox, *, grow: float = 0.0) -> bool:
    """Whether ``face`` and ``other`` (its box grown by ``grow`` of its size on every side) overlap by
    :data:`SAME_FACE_OVERLAP` of the smaller box."""
    ox0, oy0 = other.x - grow * other.width, other.y - grow * other.height
    ow, oh = other.width * (1 + 2 * grow), other.height * (1 + 2 * grow)
    width = min(face.x + face.width, ox0 + ow) - max(face.x, ox0)
    height = min(face.y + face.height, oy0 + oh) - max(face.y, oy0)
    if width <= 0 or height <= 0:
        return False
    return width * height >= SAME_FACE_OVERLAP * min(face.width * face.height, ow * oh)


def _fit(pixels: np.ndarray, box: tuple[int, int]) -> tuple[np.ndarray, int, int, float]:
    """Fit a BGR image into a model input of exactly ``box`` (width, height), aspect kept, centred on black.

    Every frame size gives the same input shape, so the network is never planned again for a new shape.
    Returns the input, its left and top padding in pixels, and the resize factor.
    """
    height, width = pixels.shape[:2]
    factor = min(box[0] / width, box[1] / height)
    new_w, new_h = min(box[0], max(1, round(width * factor))), min(box[1], max(1, round(height * factor)))
    # Bilinear is five times cheaper than pixel averaging and as good down to half size, which covers every JPEG
    # (decode_image already reduces those by powers of two); a large PNG gets averaged.
    interpolation = cv2.INTER_LINEAR if factor >= 0.5 else cv2.INTER_AREA
    resized = cv2.resize(pixels, (new_w, new_h), interpolation=interpolation)
    if (new_w, new_h) == box:
        return resized, 0, 0, factor
    left, top = (box[0] - new_w) // 2, (box[1] - new_h) // 2
    image = cv2.copyMakeBorder(resized, top, box[1] - new_h - top, left, box[0] - new_w - left, cv2.BORDER_CONSTANT)
    return image, left, top, factor
