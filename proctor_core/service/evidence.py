"""Evidence images: the frame behind a frame violation, kept only if the exam says so, deleted after retention."""

from __future__ import annotations

from datetime import datetime

import cv2

from proctor_core.service.models import ViolationRecord
from proctor_core.types import Frame

JPEG_QUALITY = 80


def encode_evidence(frame: Frame) -> bytes:
    """The decoded frame as a JPEG (re-encoding also drops whatever metadata the upload carried)."""
    ok, encoded = cv2.imencode(".jpg", frame.pixels, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not encode the evidence frame as JPEG")
    return encoded.tobytes()


def expired_evidence(at: datetime):
    """Violations whose evidence image has passed its retention time."""
    return ViolationRecord.objects.filter(evidence_jpeg__isnull=False, evidence_expires_at__lte=at)


def purge_evidence(at: datetime) -> int:
    """Delete evidence images past their retention time; the violations themselves stay. Returns how many."""
    return expired_evidence(at).update(evidence_jpeg=None, evidence_expires_at=None)
