"""MediaPipe BlazeFace face detection models run through OpenCV's DNN module.

A model maps a square RGB image scaled to [-1, 1] to one score and sixteen regression values per anchor: a box
centre offset, its size, and six keypoints (subject's right eye, left eye, nose tip, mouth centre, right ear
tragion, left ear tragion). This module builds the anchors, decodes the boxes and merges overlapping ones with
weighted non-maximum suppression, as MediaPipe's own graph does. Coordinates are relative to the model input
(0..1 across the square).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One BlazeFace variant: its file, input side, SSD anchor layout and the score a detection needs."""

    file: str
    input_size: int
    strides: tuple[int, ...]
    anchors_per_cell: int
    min_score: float
    outputs: tuple[str, str]  # names of the score and regressor layers


SHORT_RANGE = ModelSpec(
    "face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2, 0.6, ("classificators", "regressors")
)
"""Faces within about 2 m of the camera: at least ~1/8 of the frame's longer side. Its score threshold is above
MediaPipe's default of 0.5, which lets a cat's face through."""

FULL_RANGE = ModelSpec(
    "face_detection_full_range.tflite", 192, (4,), 1, 0.6, ("reshaped_classifier_face_4", "reshaped_regressor_face_4")
)
"""Faces up to about 5 m away; slower."""

NMS_IOU = 0.3
"""Boxes overlapping more than this (intersection over union) are merged into one face."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One merged detection in model-input coordinates (0..1): box corners, score, and keypoints (6 x 2) in the
    order right eye, left eye, nose tip, mouth, right ear, left ear (the subject's right and left)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    score: float
    keypoints: np.ndarray


class BlazeFace:
    """A loaded BlazeFace model: :meth:`detect` runs it on a prepared input square.

    An OpenCV network is not safe to run from two threads at once, so runs are serialised with a lock.
    """

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        model = resources.files(__package__).joinpath("models", spec.file).read_bytes()
        self._net = cv2.dnn.readNetFromTFLite(np.frombuffer(model, dtype=np.uint8))
        self._anchors = make_anchors(spec)
        self._lock = threading.Lock()

    def detect(self, square_rgb: np.ndarray) -> list[Detection]:
        """Faces in an ``input_size`` x ``input_size`` x 3 ``uint8`` RGB image."""
        blob = cv2.dnn.blobFromImage(square_rgb, scalefactor=1 / 127.5, mean=(127.5, 127.5, 127.5))
        with self._lock:
            self._net.setInput(blob)
            scores, regressors = self._net.forward(list(self.spec.outputs))
        return decode(scores.reshape(-1), regressors.reshape(-1, 16), self._anchors, self.spec)


def make_anchors(spec: ModelSpec) -> np.ndarray:
    """Anchor centres (N x 2, 0..1), in the order the model emits its predictions.

    Consecutive layers with the same stride share one grid; every cell holds ``anchors_per_cell`` anchors per
    layer. Anchor sizes are fixed (1.0), so only the centres matter.
    """
    centres = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        same = 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            same += 1
            layer += 1
        cells = -(-spec.input_size // stride)
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = (np.stack([xs, ys], axis=-1).reshape(-1, 2) + 0.5) / cells
        centres.append(np.repeat(grid, same * spec.anchors_per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def decode(scores: np.ndarray, regressors: np.ndarray, anchors: np.ndarray, spec: ModelSpec) -> list[Detection]:
    """Turn raw model outputs into merged detections above ``spec.min_score``."""
    logit = np.log(spec.min_score / (1 - spec.min_score))
    keep = np.flatnonzero(scores > logit)
    if keep.size == 0:
        return []
    probs = 1 / (1 + np.exp(-np.clip(scores[keep], -80, 80)))
    raw = regressors[keep] / spec.input_size
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
