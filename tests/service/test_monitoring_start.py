"""``POST /api/v1/sessions/{id}/start``: monitoring started, recorded server-side once, so a reload skips consent."""

from __future__ import annotations

from datetime import UTC, datetime

from rest_framework.test import APIClient

from proctor_core.service.models import ProctoringSession


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


def test_start_is_recorded_once_and_shown_in_the_session(opened, clock):
    assert opened.get().json()["monitoring_started_at"] is None
    started_at = clock.now + 4
    clock.now = started_at

    first = opened.post("/start")
    clock.now += 30
    again = opened.post("/start")

    assert first.status_code == again.status_code == 200
    assert first.json()["monitoring_started_at"] == again.json()["monitoring_started_at"] == iso(started_at)
    assert opened.get().json()["monitoring_started_at"] == iso(started_at)


def test_start_of_an_ended_session_is_409_and_changes_nothing(opened):
    assert opened.post("/end").status_code == 200

    response = opened.post("/start")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "session_ended"
    assert ProctoringSession.objects.get(pk=opened.id).monitoring_started_at is None


def test_start_needs_the_session_token(opened, open_session):
    other = open_session(name="Grace Hopper", email="grace@example.org")

    assert opened.client.post(other.url("/start")).status_code == 403
    opened.client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert opened.post("/start").status_code == 401
    assert ProctoringSession.objects.filter(monitoring_started_at__isnull=False).count() == 0


def test_the_last_frame_time_comes_from_the_engine_state(opened, clock, face_jpeg):
    assert ProctoringSession.objects.get(pk=opened.id).last_frame_at() is None
    clock.now += 7

    assert opened.frame(face_jpeg, seq=1).status_code == 200

    assert ProctoringSession.objects.get(pk=opened.id).last_frame_at().timestamp() == clock.now


def test_the_schema_documents_start_and_monitoring_started_at(db):
    schema = APIClient().get("/api/v1/schema").json()

    start = schema["paths"]["/api/v1/sessions/{session_id}/start"]["post"]
    assert {"200", "401", "403", "404", "409"} <= set(start["responses"])
    assert "monitoring_started_at" in schema["components"]["schemas"]["SessionDetail"]["properties"]
