"""The face finders the benchmark compares, each as a function from the base64 text the widget sends to a verdict.

Only the built-in finder (``proctor_vision.BlazeFaceFinder``) is product code; the others live here so that the
benchmark can run them in the same process: the original Haar pipeline, the previous default (BlazeFace short range
on a 128 x 128 letterbox with a pose refinement on a crop), BlazeFace full range as a single pass, and the built-in
finder with its network run by OpenCV's DNN module from the .tflite file, as the service did before ONNX Runtime.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from proctor_core.imaging import decode_image
from proctor_core.types import CaptureQuality, FaceBox, Frame, FrameAnalysis
from proctor_vision.blazeface import FULL_RANGE, SHORT_RANGE, BlazeFace, Detection, ModelSpec, decode, make_anchors
from proctor_vision.finder import MIN_FACE_PX, BlazeFaceFinder
from proctor_vision.pose import estimate_pose
from proctor_vision.quality import capture_quality


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a variant said about one frame: face count, turned verdict of a lone face, "can't tell"."""

    faces: int
    turned: bool | None = None
    cant_tell: bool = False


Variant = Callable[[str], Verdict]


def haar_original() -> Variant:
    """The original pipeline: full-size colour decode, grey, frontal Haar cascade with default parameters."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def run(text: str) -> Verdict:
        image = cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_COLOR)
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        return Verdict(len(cascade.detectMultiScale(grey)))

    return run


def finder_variant(finder: object) -> Variant:
    """A product-style finder (``find(Frame) -> FrameAnalysis``) after ``decode_image``."""

    def run(text: str) -> Verdict:
        analysis = finder.find(decode_image(text))  # type: ignore[attr-defined]
        turned = analysis.faces[0].turned if analysis.face_count == 1 else None
        return Verdict(analysis.face_count, turned, cant_tell=analysis.face_status == "unclear")

    return run


class SquareFinder:
    """One BlazeFace pass on the frame letterboxed into the model's square (128 short range, 192 full range); a lone
    face small in the input or with an off-centre yaw gets its pose from a second short-range pass on a crop of
    twice its size. With ``SHORT_RANGE`` this is the built-in finder as it was before the 256 x 192 pass."""

    REFINE_FROM_DEG = 12.0
    REFINE_BELOW = 24.0 / 128  # of the input side

    def __init__(self, spec: ModelSpec) -> None:
        self._model = BlazeFace(spec)
        self._short = self._model if spec is SHORT_RANGE else BlazeFace(SHORT_RANGE)

    def find(self, frame: Frame) -> FrameAnalysis:
        size = self._model.spec.input_size
        height, width = frame.pixels.shape[:2]
        factor = size / max(height, width)
        new_w, new_h = max(1, round(width * factor)), max(1, round(height * factor))
        left, top = (size - new_w) // 2, (size - new_h) // 2
        square = cv2.copyMakeBorder(
            cv2.resize(frame.pixels, (new_w, new_h), interpolation=cv2.INTER_AREA),
            top, size - new_h - top, left, size - new_w - left, cv2.BORDER_CONSTANT,
        )
        to_sent = 1 / factor / frame.scale
        faces = []
        for d in self._model.detect(square):
            box = ((d.xmin - left) * to_sent, (d.ymin - top) * to_sent, (d.xmax - d.xmin) * to_sent,
                   (d.ymax - d.ymin) * to_sent)
            if box[3] >= MIN_FACE_PX:
                pose = estimate_pose(d.keypoints)
                faces.append(FaceBox(*box, d.score, pose.yaw_deg, pose.turned))
        if len(faces) == 1:
            face = faces[0]
            small = face.height / to_sent < self.REFINE_BELOW * size
            if small or face.yaw_deg is None or abs(face.yaw_deg) >= self.REFINE_FROM_DEG:
                faces[0] = self._refine(frame, face)
        quality = CaptureQuality.OK if faces else capture_quality(frame.pixels)
        return FrameAnalysis(faces=tuple(faces), width=frame.source_width, height=frame.source_height, quality=quality)

    def _refine(self, frame: Frame, face: FaceBox) -> FaceBox:
        size = self._short.spec.input_size
        side = max(face.width, face.height) * 2.0 * frame.scale
        zoom = size / side
        cx, cy = (face.x + face.width / 2) * frame.scale, (face.y + face.height / 2) * frame.scale
        warp = np.float32([[zoom, 0, size / 2 - cx * zoom], [0, zoom, size / 2 - cy * zoom]])
        crop = cv2.warpAffine(frame.pixels, warp, (size, size), flags=cv2.INTER_LINEAR)
        found = self._short.detect(crop)
        if not found:
            return face
        central = min(found, key=lambda d: abs(d.xmin + d.xmax - size) + abs(d.ymin + d.ymax - size))
        pose = estimate_pose(central.keypoints)
        return dataclasses.replace(face, yaw_deg=pose.yaw_deg, turned=pose.turned)


class OpenCvShortRange:
    """BlazeFace short range run by OpenCV's DNN module from the .tflite file (``BlazeFace``'s interface). OpenCV
    plans a network for one input shape, so each shape gets its own."""

    spec = SHORT_RANGE
    source = Path(__file__).resolve().parents[1] / "plugins/proctor_vision/models/face_detection_short_range.tflite"

    def __init__(self) -> None:
        self._model = np.frombuffer(self.source.read_bytes(), np.uint8)
        self._nets: dict[tuple[int, int], cv2.dnn.Net] = {}

    def detect(self, image_bgr: np.ndarray, min_score: float | None = None) -> list[Detection]:
        height, width = image_bgr.shape[:2]
        net = self._nets.get((height, width))
        if net is None:
            net = self._nets[height, width] = cv2.dnn.readNetFromTFLite(self._model)
        net.setInput(cv2.dnn.blobFromImage(image_bgr, 1 / 127.5, mean=(127.5, 127.5, 127.5), swapRB=True))
        scores, regressors = net.forward(["classificators", "regressors"])
        threshold = SHORT_RANGE.min_score if min_score is None else min_score
        anchors = make_anchors(SHORT_RANGE, height, width)
        return decode(scores.reshape(-1), regressors.reshape(-1, 16), anchors, threshold)


def opencv_runtime_finder() -> BlazeFaceFinder:
    """The built-in finder with its network run by OpenCV instead of ONNX Runtime; every input shape planned."""
    finder = BlazeFaceFinder()
    finder._model = OpenCvShortRange()  # type: ignore[assignment]
    for height, width in ((192, 256), (128, 128), (96, 128)):
        finder._model.detect(np.zeros((height, width, 3), np.uint8))
    return finder


def all_variants() -> list[tuple[str, Variant]]:
    """Every variant, the original pipeline first (the ratios are to it)."""
    return [
        ("Haar original", haar_original()),
        ("BlazeFace short 128 (previous default)", finder_variant(SquareFinder(SHORT_RANGE))),
        ("BlazeFace full range 192", finder_variant(SquareFinder(FULL_RANGE))),
        ("BlazeFace short 256x192, no second look", finder_variant(BlazeFaceFinder(max_checked=0))),
        ("BlazeFace short 256x192 + second look, OpenCV DNN", finder_variant(opencv_runtime_finder())),
        ("BlazeFace short 256x192 + second look (default)", finder_variant(BlazeFaceFinder())),
    ]
