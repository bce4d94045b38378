"""Capture quality of a frame in which no face was found: too dark, too blurred, or good enough to judge.

The measures are taken on a grey copy whose longer side is at most :data:`WORKING_SIDE` pixels, so they hardly
depend on the camera's resolution. Sharpness is the variance of the Laplacian divided by the grey-level variance,
so a dim but sharp picture keeps its score. A frame with little contrast (a blank wall, a covered lens in light)
shows nothing that could be in or out of focus: it is judged on brightness alone, and an empty, evenly lit room is
reported as "no face", not "can't tell".
"""

from __future__ import annotations

import cv2
import numpy as np

from proctor_core.types import CaptureQuality

WORKING_SIDE = 256
"""Longer side, in pixels, of the grey copy the measures are taken on (smaller frames are used as they are)."""

MIN_MEAN_LUMA = 40.0
"""Mean grey level (0-255) below which a frame is too dark to judge."""

MIN_SHARPNESS = 0.03
"""Laplacian variance / grey variance below which a frame with enough contrast is too blurred to judge."""

MIN_CONTRAST = 20.0
"""Grey-level standard deviation below which sharpness is not judged."""


def capture_quality(pixels: np.ndarray) -> CaptureQuality:
    """Judge a BGR frame: :attr:`~CaptureQuality.TOO_DARK`, :attr:`~CaptureQuality.BLURRED` or ``OK``."""
    luma, contrast, sharpness = measure(pixels)
    if luma < MIN_MEAN_LUMA:
        return CaptureQuality.TOO_DARK
    if contrast >= MIN_CONTRAST and sharpness < MIN_SHARPNESS:
        return CaptureQuality.BLURRED
    return CaptureQuality.OK


def measure(pixels: np.ndarray) -> tuple[float, float, float]:
    """Mean grey level, grey-level standard deviation and normalised sharpness of a BGR frame."""
    height, width = pixels.shape[:2]
    factor = WORKING_SIDE / max(height, width)
    if factor < 1.0:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    mean, std = (float(v[0, 0]) for v in cv2.meanStdDev(grey))
    sharpness = float(cv2.Laplacian(grey, cv2.CV_32F).var()) / max(std * std, 1.0)
    return mean, std, sharpness
