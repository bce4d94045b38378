"""Fixtures of the service tests: Django configured, a fake service clock, API sessions and test images.

The same tests run on SQLite (default) and on PostgreSQL (``DATABASE_URL``; ``make test`` runs both).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proctor_core.service.settings")

import cv2  # noqa: E402
import django  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

django.setup()

from rest_framework.test import APIClient  # noqa: E402

from proctor_core.config import ExamConfig  # noqa: E402
from proctor_core.service import api, engines  # noqa: E402
from proctor_core.testing import FakeClock  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
IMAGE_DIRS = (ROOT / "tests" / "data", ROOT.parent / "shared" / "testdata" / "faces")
ONE_FACE_IMAGES = ("grace_hopper.jpg", "astronaut.jpg")
START = 1_700_000_000.0


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """The service's clock, moved by hand: ``clock.now += 5``."""
    fake = FakeClock(START)
    monkeypatch.setattr(engines, "clock", fake)
    return fake


@pytest.fixture
def exams(db):
    """The two demo exams (stand-alone) and an "evidence" exam that keeps evidence for 7 days."""
    interview = api.get_or_create_exam(
        "interview", title="Interview", config=ExamConfig.from_preset("interview"), standalone=True
    )
    exam = api.get_or_create_exam("exam", title="Written exam", config=ExamConfig.from_preset("exam"), standalone=True)
    evidence = ExamConfig.from_preset("interview").model_copy(
        update={"keep_evidence": True, "evidence_retention_days": 7}
    )
    kept = api.get_or_create_exam("evidence", title="Evidence kept", config=evidence, standalone=True)
    return {"interview": interview, "exam": exam, "evidence": kept}


@dataclass
class Opened:
    """A session opened through the API, with a client that sends its token."""

    id: str
    token: str
    client: APIClient

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/sessions/{self.id}{suffix}"

    def post(self, suffix: str, body: object = None, **kwargs):
        return self.client.post(self.url(suffix), body, format="json", **kwargs)

    def get(self, suffix: str = "", **kwargs):
        return self.client.get(self.url(suffix), **kwargs)

    def frame(self, jpeg: bytes, **fields):
        return self.post("/frames", {"image": base64.b64encode(jpeg).decode("ascii"), **fields})


@pytest.fixture
def open_session(exams, clock):
    """Open a session through ``POST /api/v1/sessions``: ``open_session(exam="interview") -> Opened``."""

    def open_via_api(exam: str = "interview", name: str = "Ada Lovelace", email: str = "ada@example.org") -> Opened:
        response = APIClient().post("/api/v1/sessions", {"name": name, "email": email, "exam": exam}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
        return Opened(id=body["id"], token=body["token"], client=client)

    return open_via_api


@pytest.fixture
def opened(open_session) -> Opened:
    """A fresh interview session, opened at the fake clock's time (:data:`START`)."""
    return open_session()


@pytest.fixture(scope="session")
def face_jpeg(require) -> bytes:
    """A photograph with exactly one frontal face."""
    for folder in IMAGE_DIRS:
        for name in ONE_FACE_IMAGES:
            if (folder / name).is_file():
                return (folder / name).read_bytes()
    require(False, f"a one-face photograph ({', '.join(ONE_FACE_IMAGES)}) in tests/data/ or ../shared/testdata/faces/")


@pytest.fixture(scope="session")
def no_face_jpeg() -> bytes:
    """An evenly lit, empty scene: the finder sees no face and the frame is good enough to say so."""
    height, width = 480, 640
    ramp = np.tile(np.linspace(110, 170, width, dtype=np.float32), (height, 1))
    pixels = cv2.merge([ramp, ramp, ramp]).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    return encoded.tobytes()


@pytest.fixture
def device(open_session, exams):
    """A fresh session of an exam with on-device analysis that keeps evidence."""
    config = ExamConfig.from_preset("interview").model_copy(update={"analysis": "device", "keep_evidence": True})
    api.get_or_create_exam("ondevice", title="On-device", config=config, standalone=True)
    return open_session(exam="ondevice")
