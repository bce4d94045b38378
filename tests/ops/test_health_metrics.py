"""``/health/live``, ``/health/ready`` and ``/metrics``: what they report, when they fail, who may read metrics."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.utils import timezone
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from lms_adapter import keys
from lms_adapter.models import GradeOutbox, LearnerAttempt, LtiTool, ResourceLink
from proctor_core.config import ExamConfig
from proctor_core.service import api, health
from proctor_core.service.health import PERIODIC_HEARTBEAT, WORKER_HEARTBEAT, heartbeat

pytestmark = pytest.mark.django_db
FACE_JPEG = Path(__file__).resolve().parents[1] / "data" / "grace_hopper.jpg"


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    cache.delete_many([WORKER_HEARTBEAT, PERIODIC_HEARTBEAT])
    monkeypatch.setattr(health, "_migrated", False)


def beat(age_s: float = 0.0) -> None:
    cache.set(WORKER_HEARTBEAT, time.time() - age_s, None)
    cache.set(PERIODIC_HEARTBEAT, time.time() - age_s, None)


# -- health ------------------------------------------------------------------------------------------------------------


def test_live_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_once_a_worker_ran_the_heartbeat_task(client):
    response = client.get("/health/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"]
    assert checks["worker"] == {"ok": False, "heartbeat_age_s": None, "max_age_s": 120.0}

    heartbeat.call()  # what the worker does with the task `proctor periodic` queues
    cache.set(PERIODIC_HEARTBEAT, time.time(), None)
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"
    assert 0 <= response.json()["checks"]["worker"]["heartbeat_age_s"] < 5


def test_a_stale_heartbeat_is_not_ready(client, settings):
    settings.PROCTOR_OPS = {**settings.PROCTOR_OPS, "HEARTBEAT_MAX_AGE_S": 60.0}
    beat(age_s=90)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
    assert response.json()["checks"]["worker"]["heartbeat_age_s"] >= 90


def test_unapplied_migrations_are_not_ready(client, monkeypatch):
    beat()
    pending = Migration("0099_future", "proctor")
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [(pending, False)])
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "unapplied": ["proctor.0099_future"]}


def test_unreachable_database_is_not_ready(client, monkeypatch):
    beat()

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError: connection refused"}


def test_health_endpoints_only_read(client):
    assert client.post("/health/live").status_code == 405
    assert client.post("/health/ready").status_code == 405


# -- metrics -----------------------------------------------------------------------------------------------------------


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    values = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


@pytest.fixture
def session():
    exam = api.get_or_create_exam("interview", title="Interview", config=ExamConfig.from_preset("interview"),
                                  standalone=True)
    response = APIClient().post("/api/v1/sessions", {"name": "Ada", "email": "ada@example.org",
                                                     "exam": exam.slug}, format="json")
    body = response.json()
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    return body["id"], http


def test_frames_and_events_are_counted_by_outcome(client, session):
    session_id, http = session
    frame = {"image": base64.b64encode(FACE_JPEG.read_bytes()).decode()}
    before = {
        "ok": sample("proctor_observations_total", kind="frame", outcome="ok"),
        "event": sample("proctor_observations_total", kind="event", outcome="accepted"),
        "analysed": sample("proctor_frame_analysis_seconds_count"),
        "latency": sample("proctor_http_request_duration_seconds_count", route="proctor_api:frames"),
    }
    assert http.post(f"/api/v1/sessions/{session_id}/frames", frame, format="json").json()["face_status"] == "ok"
    bad = http.post(f"/api/v1/sessions/{session_id}/frames", {"image": "bm90IGFuIGltYWdl"}, format="json")
    assert bad.status_code == 400
    assert http.post(f"/api/v1/sessions/{session_id}/events", {"type": "tab_hidden"}, format="json").status_code == 200
    http.post(f"/api/v1/sessions/{session_id}/end")
    late = http.post(f"/api/v1/sessions/{session_id}/events", {"type": "tab_visible"}, format="json")
    assert late.status_code == 409

    values = scrape(client)
    code = bad.json()["error"]["code"]
    assert values['proctor_observations_total{kind="frame",outcome="ok"}'] == before["ok"] + 1
    assert values[f'proctor_observations_total{{kind="frame",outcome="{code}"}}'] >= 1
    assert values['proctor_observations_total{kind="event",outcome="accepted"}'] == before["event"] + 1
    late_code = late.json()["error"]["code"]
    assert values[f'proctor_observations_total{{kind="event",outcome="{late_code}"}}'] >= 1
    assert values["proctor_frame_analysis_seconds_count"] == before["analysed"] + 2  # the undecodable one too
    assert values['proctor_http_request_duration_seconds_count{route="proctor_api:frames"}'] == before["latency"] + 2
    assert values['proctor_http_requests_total{method="POST",route="proctor_api:end",status="200"}'] >= 1


def test_state_gauges_come_from_the_database(client, session):
    values = scrape(client)
    assert values["proctor_sessions_open"] == 1
    assert values["proctor_grade_outbox_pending"] == 0
    assert values["proctor_grade_outbox_oldest_pending_age_seconds"] == 0
    assert values["proctor_worker_heartbeat_age_seconds"] != values["proctor_worker_heartbeat_age_seconds"]  # NaN

    tool = LtiTool.objects.create(
        title="LMS", issuer="https://lms.example.org", client_id="c", auth_login_url="https://lms.example.org/a",
        auth_token_url="https://lms.example.org/t", key_set_url="https://lms.example.org/k",
        deployment_ids=json.dumps(["1"]), tool_key=keys.current_key(),
    )
    rows = []
    for number, status in enumerate(["pending", "pending", "failed", "delivered"]):
        exam = api.get_or_create_exam(f"lti-{number}", title="Quiz", config=ExamConfig.from_preset("exam"))
        link = ResourceLink.objects.create(tool=tool, deployment_id="1", resource_link_id=str(number), exam=exam)
        learner, _token = api.open_session(exam=exam, name="L", email="l@example.org")
        attempt = LearnerAttempt.objects.create(resource_link=link, user_id=str(number), session=learner)
        rows.append(GradeOutbox.objects.create(
            attempt=attempt, score=90, risk_level="green", comment="", timestamp=timezone.now(), status=status,
            attempts=number, next_attempt_at=timezone.now(),
        ))
    GradeOutbox.objects.filter(pk=rows[0].pk).update(created_at=timezone.now() - timedelta(minutes=10))
    beat(age_s=5)

    values = scrape(client)
    assert values["proctor_sessions_open"] == 5
    assert values["proctor_grade_outbox_pending"] == 2
    assert 600 <= values["proctor_grade_outbox_oldest_pending_age_seconds"] < 700
    assert values["proctor_grade_outbox_retrying"] == 1  # the second pending row failed once already
    assert values["proctor_grade_outbox_failed"] == 1
    assert 5 <= values["proctor_worker_heartbeat_age_seconds"] < 60


def test_metrics_are_refused_from_elsewhere_and_through_a_proxy(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    forwarded = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.status_code == 403
    assert forwarded.json()["error"]["code"] == "permission_denied"
    assert client.get("/metrics", HTTP_FORWARDED="for=203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 403


def test_metrics_token_opens_them_to_a_scraper(client, settings):
    settings.PROCTOR_OPS = {**settings.PROCTOR_OPS, "METRICS_TOKEN": "s3cret-scraper-token"}
    remote = {"REMOTE_ADDR": "10.0.0.5"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token", **remote).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **remote).status_code == 403
    assert client.get("/metrics", **remote).status_code == 403


def test_metrics_can_be_turned_off(client, settings):
    settings.PROCTOR_OPS = {**settings.PROCTOR_OPS, "METRICS": False}
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_metrics_still_answer_when_the_database_does_not(client, monkeypatch, caplog):
    assert scrape(client)["proctor_database_up"] == 1

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    from proctor_core.service.models import ProctoringSession

    monkeypatch.setattr(ProctoringSession.objects, "filter", refuse)
    values = scrape(client)
    assert values["proctor_database_up"] == 0
    assert "proctor_sessions_open" not in values
    assert any(name.startswith("proctor_http_requests_total") for name in values)  # the counters still come
    assert "the database did not answer: connection refused" in caplog.text


def test_each_verdict_and_audio_report_of_a_batch_is_counted(client):
    exam = api.get_or_create_exam(
        "ondevice", title="On-device", standalone=True,
        config=ExamConfig.from_preset("interview").model_copy(update={"analysis": "device"}),
    )
    body = APIClient().post("/api/v1/sessions", {"name": "Ada", "email": "ada@example.org", "exam": exam.slug},
                            format="json").json()
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    url = f"/api/v1/sessions/{body['id']}/verdicts"
    face = {"x": 200, "y": 120, "width": 180, "height": 180, "score": 0.9, "yaw_deg": 2.0, "turned": False}
    verdicts = [{"seq": s, "width": 640, "height": 480, "faces": [face] if s else [], "sha256": "0" * 64}
                for s in range(3)]
    batch = {"verdicts": verdicts, "audio": [{"seq": 9, "is_silent": False}]}
    before = {outcome: sample("proctor_observations_total", kind="verdict", outcome=outcome)
              for outcome in ("ok", "no_face", "invalid_request")}
    audio = sample("proctor_observations_total", kind="audio", outcome="accepted")
    assert http.post(url, batch, format="json").status_code == 200
    assert http.post(url, {"verdicts": [], "audio": []}, format="json").status_code == 400

    values = scrape(client)
    assert values['proctor_observations_total{kind="verdict",outcome="ok"}'] == before["ok"] + 2
    assert values['proctor_observations_total{kind="verdict",outcome="no_face"}'] == before["no_face"] + 1
    assert values['proctor_observations_total{kind="audio",outcome="accepted"}'] == audio + 1
    refused = values['proctor_observations_total{kind="verdict",outcome="invalid_request"}']
    assert refused == before["invalid_request"] + 1
