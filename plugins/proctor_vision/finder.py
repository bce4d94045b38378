"""The built-in face finder: MediaPipe BlazeFace through OpenCV, one short-range pass per frame.

Per frame: letterbox the decoded image into the model's input square, detect, map the boxes back to the image as
sent and drop faces too small to count. A lone face that is small in the model input, or whose first yaw
estimate is off-centre, gets a second look: the model runs again on a crop around it, where the face is large
and its keypoints precise, and the pose is taken from that. When no face is left, the frame's capture quality
says whether "no face" can be trusted.

Boxes may reach past the image border for a face the border cuts.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from proctor_core.types import CaptureQuality, FaceBox, Frame, FrameAnalysis
from proctor_vision.blazeface import FULL_RANGE, SHORT_RANGE, BlazeFace
from proctor_vision.pose import estimate_pose
from proctor_vision.quality import capture_quality

MIN_FACE_PX = 36.0
"""Faces shorter than this, in pixels of the image as sent, are background faces and not counted."""

REFINE_FROM_DEG = 12.0
"""A lone face whose first yaw estimate reaches this is looked at again on a crop before its pose is judged."""

REFINE_BELOW_PX = 24.0
"""A lone face shorter than this in the short-range model's input (128 px square) is always looked at again."""

CROP_FACTOR = 2.0
"""Side of the refinement crop, in face-box sides."""


class BlazeFaceFinder:
    """Finds faces with BlazeFace short range; ``fallback`` adds a full-range pass when that finds none."""

    def __init__(self, *, fallback: bool = False, min_face_px: float = MIN_FACE_PX) -> None:
        self.name = "blazeface-short+full" if fallback else "blazeface-short"
        self.min_face_px = min_face_px
        self._short = BlazeFace(SHORT_RANGE)
        self._models = (self._short, BlazeFace(FULL_RANGE)) if fallback else (self._short,)

    def find(self, frame: Frame) -> FrameAnalysis:
        """Faces in ``frame``, in the coordinates of the image as sent."""
        faces: list[FaceBox] = []
        for model in self._models:
            faces = self._detect(model, frame)
            if faces:
                break
        if len(faces) == 1 and self._needs_refining(faces[0], frame):
            faces[0] = self._refine(frame, faces[0])
        quality = CaptureQuality.OK if faces else capture_quality(frame.pixels)
        return FrameAnalysis(faces=tuple(faces), width=frame.source_width, height=frame.source_height, quality=quality)

    def _detect(self, model: BlazeFace, frame: Frame) -> list[FaceBox]:
        size = model.spec.input_size
        square, left, top, factor = _letterbox(frame.pixels, size)
        to_sent = size / factor / frame.scale  # model-input units (0..1 of the square) -> pixels as sent
        faces = []
        for detection in model.detect(square):
            x0, y0 = (detection.xmin - left / size) * to_sent, (detection.ymin - top / size) * to_sent
            x1, y1 = (detection.xmax - left / size) * to_sent, (detection.ymax - top / size) * to_sent
            if y1 - y0 >= self.min_face_px:
                pose = estimate_pose(detection.keypoints)
                faces.append(FaceBox(x0, y0, x1 - x0, y1 - y0, detection.score, pose.yaw_deg, pose.turned))
        return faces

    def _needs_refining(self, face: FaceBox, frame: Frame) -> bool:
        """Keypoints of a face small in the model input are coarse; an off-centre first estimate needs a check."""
        input_px = face.height * frame.scale * self._short.spec.input_size / max(frame.width, frame.height)
        return input_px < REFINE_BELOW_PX or face.yaw_deg is None or abs(face.yaw_deg) >= REFINE_FROM_DEG

    def _refine(self, frame: Frame, face: FaceBox) -> FaceBox:
        """Re-estimate the pose of ``face`` from a crop around it; keep the first estimate if the crop finds none."""
        size = self._short.spec.input_size
        side = max(face.width, face.height) * CROP_FACTOR * frame.scale
        zoom = size / side
        centre_x = (face.x + face.width / 2) * frame.scale
        centre_y = (face.y + face.height / 2) * frame.scale
        shift_x, shift_y = size / 2 - centre_x * zoom, size / 2 - centre_y * zoom
        warp = np.array([[zoom, 0, shift_x], [0, zoom, shift_y]], dtype=np.float32)
        crop = cv2.warpAffine(frame.pixels, warp, (size, size), flags=cv2.INTER_LINEAR)
        detections = self._short.detect(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        if not detections:
            return face
        central = min(detections, key=lambda d: abs(d.xmin + d.xmax - 1) + abs(d.ymin + d.ymax - 1))
        pose = estimate_pose(central.keypoints)
        return dataclasses.replace(face, yaw_deg=pose.yaw_deg, turned=pose.turned)


def _letterbox(pixels: np.ndarray, size: int) -> tuple[np.ndarray, int, int, float]:
    """Fit a BGR image into a ``size`` square as RGB, aspect kept, with black bars.

    Returns the square, its left and top padding in pixels, and the resize factor.
    """
    height, width = pixels.shape[:2]
    factor = size / max(height, width)
    new_w, new_h = max(1, round(width * factor)), max(1, round(height * factor))
    resized = cv2.resize(pixels, (new_w, new_h), interpolation=cv2.INTER_AREA)
    left, top = (size - new_w) // 2, (size - new_h) // 2
    square = cv2.copyMakeBorder(resized, top, size - new_h - top, left, size - new_w - left, cv2.BORDER_CONSTANT)
    return cv2.cvtColor(square, cv2.COLOR_BGR2RGB), left, top, factor
