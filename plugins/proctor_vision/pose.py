"""Head yaw from BlazeFace's six keypoints.

The nose tip stands in front of the eyes, so when the head turns it slides sideways from the midpoint between
the eyes while the eyes draw closer together. Measured along the eye line (which makes the estimate
independent of head roll), the nose offset divided by the eye distance is ``NOSE_DEPTH * tan(yaw)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NOSE_DEPTH = 0.6
"""Depth of the nose tip in front of the eyes, in eye distances (adult faces: about 0.5-0.7)."""

TURNED_DEG = 30.0
"""A face whose estimated ``|yaw|`` exceeds this is turned away from the screen."""


@dataclass(frozen=True, slots=True)
class Pose:
    """Estimated yaw in degrees (positive: nose towards the image's right) and the turned verdict."""

    yaw_deg: float | None
    turned: bool | None


def estimate_pose(keypoints: np.ndarray) -> Pose:
    """Yaw from keypoints (6 x 2, BlazeFace order) in any isotropic coordinates; unknown if the eyes coincide."""
    right_eye, left_eye, nose = keypoints[0], keypoints[1], keypoints[2]
    axis = left_eye - right_eye
    eye_distance = float(math.hypot(axis[0], axis[1]))
    if eye_distance < 1e-6:
        return Pose(yaw_deg=None, turned=None)
    offset = float(np.dot(nose - (left_eye + right_eye) / 2, axis)) / (eye_distance * eye_distance)
    yaw = math.degrees(math.atan(offset / NOSE_DEPTH))
    return Pose(yaw_deg=yaw, turned=abs(yaw) > TURNED_DEG)
