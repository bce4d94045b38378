"""MediaPipe BlazeFace face detection models run through ONNX Runtime.

A model maps an RGB image scaled to [-1, 1] to one score and sixteen regression values per anchor: a box
centre offset, its size, and six keypoints (subject's right eye, left eye, nose tip, mouth centre, right ear
tragion, left ear tragion). This module builds the anchors, decodes the boxes and merges overlapping ones with
weighted non-maximum suppression, as MediaPipe's own graph does. Coordinates are in pixels of the model input.

The models are MediaPipe's .tflite files converted to ONNX at build time (``tools/blazeface_to_onnx.py``; weights
unchanged, outputs checked against OpenCV's run of the .tflite). The short-range network is fully convolutional: it
runs on any input whose sides are multiples of 16, with one anchor grid per input shape (MediaPipe feeds it
128 x 128). The full-range network's upsampling has fixed shapes, so it takes 192 x 192 only.

ONNX Runtime is imported when the first model loads, not with this module: importing it starts native threads, and
a process that forks after that (gunicorn's arbiter, which loads the plugins) gets workers that hang or abort when
they exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One BlazeFace variant: its file, input side, SSD anchor layout and the score a detection needs."""

    file: str
    input_size: int  # MediaPipe's square input side
    any_size: bool  # whether the network runs on other input shapes (sides multiples of 16)
    strides: tuple[int, ...]
    anchors_per_cell: int
    min_score: float
    outputs: tuple[str, str]  # names of the score and regressor outputs


SHORT_RANGE = ModelSpec(
    "face_detection_short_range.onnx", 128, True, (8, 16, 16, 16), 2, 0.6, ("classificators", "regressors")
)
"""Faces within about 2 m of the camera: at its 128 x 128 input, at least ~1/8 of the frame's longer side (twice the
input finds half that size). Its score threshold is above
MediaPipe's default of 0.5, which lets a cat's face through."""

FULL_RANGE = ModelSpec(
    "face_detection_full_range.onnx",
    192,
    False,
    (4,),
    1,
    0.6,
    ("reshaped_classifier_face_4", "reshaped_regressor_face_4"),
)
"""Faces up to about 5 m away; costs more than the short-range model on a 256 x 192 input and finds fewer small
faces than that (docs/benchmarks.md). The built-in finder does not use it; the widget's on-device finder does, and
it ships for plugins and for the benchmark's comparison."""

NMS_IOU = 0.3
"""Boxes overlapping more than this (intersection over union) are merged into one face."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One merged detection in pixels of the model input: box corners, score, and keypoints (6 x 2) in the
    order right eye, left eye, nose tip, mouth, right ear, left ear (the subject's right and left)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    score: float
    keypoints: np.ndarray


class BlazeFace:
    """A loaded BlazeFace model: :meth:`detect` runs it on a prepared input image.

    One ONNX Runtime session serves every input shape (a change of shape costs nothing measurable) and may be run
    from several threads at once. Each run uses ``threads`` threads (default one: the service analyses one frame
    per worker thread, and a run split over more threads costs more CPU in all for a 256 x 192 input).
    """

    def __init__(self, spec: ModelSpec, *, threads: int = 1) -> None:
        import onnxruntime  # here, not at the top: see the module's description

        self.spec = spec
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        model = resources.files(__package__).joinpath("models", spec.file).read_bytes()
        # A broken model file fails here, at start-up.
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._outputs = list(spec.outputs)

    def detect(self, image_bgr: np.ndarray, min_score: float | None = None) -> list[Detection]:
        """Faces scoring above ``min_score`` (default: the model's), highest score first, in an H x W x 3 ``uint8``
        BGR image: square ``input_size`` for a fixed-size model, sides multiples of 16 for the short-range one."""
        height, width = image_bgr.shape[:2]
        size = self.spec.input_size
        if (height, width) != (size, size) and (not self.spec.any_size or height % 16 or width % 16):
            raise ValueError(f"{self.spec.file} cannot take a {width}x{height} input")
        blob = cv2.dnn.blobFromImage(image_bgr, scalefactor=1 / 127.5, mean=(127.5, 127.5, 127.5), swapRB=True)
        scores, regressors = self._session.run(self._outputs, {"input": blob})
        threshold = self.spec.min_score if min_score is None else min_score
        anchors = make_anchors(self.spec, height, width)
        return decode(scores.reshape(-1), regressors.reshape(-1, 16), anchors, threshold)


@lru_cache(maxsize=16)
def make_anchors(spec: ModelSpec, height: int | None = None, width: int | None = None) -> np.ndarray:
    """Anchor centres (N x 2) in input pixels, in the order the model emits its predictions, for an input of
    ``height`` x ``width`` (default: the model's square).

    Consecutive layers with the same stride share one grid; every cell holds ``anchors_per_cell`` anchors per
    layer. Anchor sizes are fixed (1.0), so only the centres matter. The result is cached and read-only.
    """
    height = height or spec.input_size
    width = width or spec.input_size
    centres = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        same = 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            same += 1
            layer += 1
        rows, cols = -(-height // stride), -(-width // stride)
        ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        cell = np.array([width / cols, height / rows], dtype=np.float32)
        grid = (np.stack([xs, ys], axis=-1).reshape(-1, 2) + 0.5) * cell
        centres.append(np.repeat(grid, same * spec.anchors_per_cell, axis=0))
    anchors = np.concatenate(centres).astype(np.float32)
    anchors.setflags(write=False)  # cached and shared between calls
    return anchors


def decode(scores: np.ndarray, regressors: np.ndarray, anchors: np.ndarray, min_score: float) -> list[Detection]:
    """Turn raw model outputs into merged detections above ``min_score``. The regressors are in input pixels,
    relative to the anchor centres."""
    logit = np.log(min_score / (1 - min_score))
    keep = np.flatnonzero(scores > logit)
    if keep.size == 0:
        return []
    probs = 1 / (1 + np.exp(-np.clip(scores[keep], -80, 80)))
    raw = regressors[keep]
    centre = anchors[keep]
    boxes = np.empty((keep.size, 4), dtype=np.float32)
    cx, cy = raw[:, 0] + centre[:, 0], raw[:, 1] + centre[:, 1]
    half_w, half_h = raw[:, 2] / 2, raw[:, 3] / 2
    boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3] = cx - half_w, cy - half_h, cx + half_w, cy + half_h
    keypoints = raw[:, 4:].reshape(-1, 6, 2) + centre[:, None, :]
    return weighted_nms(boxes, probs, keypoints)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, keypoints: np.ndarray) -> list[Detection]:
    """Merge overlapping boxes: each cluster becomes the score-weighted mean of its members' boxes and keypoints,
    with the best member's score."""
    order = np.argsort(-scores)
    boxes, scores, keypoints = boxes[order], scores[order], keypoints[order]
    remaining = np.ones(len(scores), dtype=bool)
    merged = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        cluster = remaining & (_iou(boxes[i], boxes) > NMS_IOU)
        cluster[i] = True
        remaining &= ~cluster
        weights = scores[cluster][:, None]
        total = weights.sum()
        box = (boxes[cluster] * weights).sum(axis=0) / total
        points = (keypoints[cluster] * weights[:, :, None]).sum(axis=0) / total
        xmin, ymin, xmax, ymax = (float(value) for value in box)
        merged.append(Detection(xmin, ymin, xmax, ymax, score=float(scores[i]), keypoints=points))
    return merged


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    width = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)
