"""Admin of the service: every model is listed, exam rules are validated on save, sessions can be ended."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from proctor_core.service.models import Exam, ProctoringSession


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    return client


@pytest.mark.parametrize("model", ["candidate", "exam", "proctoringsession", "violationrecord"])
def test_every_model_has_an_admin_list(admin_client, opened, model):
    opened.post("/events", {"type": "tab_hidden"})
    assert admin_client.get(f"/admin/proctor/{model}/").status_code == 200


def test_session_page_shows_its_violations(admin_client, opened):
    opened.post("/events", {"type": "tab_hidden"})
    page = admin_client.get(f"/admin/proctor/proctoringsession/{opened.id}/change/")
    assert page.status_code == 200
    assert "tab_switch" in page.content.decode()
    assert "token_hash" not in page.content.decode()


def exam_form(config: dict) -> dict:
    return {"slug": "oral", "title": "Oral exam", "standalone": "on", "config": json.dumps(config)}


def test_exam_rules_are_validated_against_the_plugins(admin_client, exams):
    page = admin_client.post("/admin/proctor/exam/add/", exam_form({"detectors": {"gaze_sideways": {}}}))
    assert page.status_code == 200
    assert "unknown detector(s) gaze_sideways; available:" in page.content.decode()
    assert not Exam.objects.filter(slug="oral").exists()


def test_valid_exam_rules_are_saved_normalised(admin_client, exams):
    config = {"preset": "exam", "detectors": {"silence": {"points": 0}}, "keep_evidence": True}
    response = admin_client.post("/admin/proctor/exam/add/", exam_form(config))
    assert response.status_code == 302
    saved = Exam.objects.get(slug="oral").config
    assert saved["keep_evidence"] is True and saved["evidence_retention_days"] == 30
    assert saved["detectors"]["silence"]["points"] == 0


def test_end_and_score_action(admin_client, opened):
    opened.post("/events", {"type": "tab_hidden"})
    response = admin_client.post(
        "/admin/proctor/proctoringsession/", {"action": "end_and_score", "_selected_action": [opened.id]}
    )
    assert response.status_code == 302
    session = ProctoringSession.objects.get(pk=opened.id)
    assert (session.active, session.score, session.risk_level) == (False, 92, "yellow")  # no frames: for review
    assert session.review_reasons


def test_session_page_is_readable(admin_client, opened, clock):
    """Penalties as a table, times to the second, and a link to the reviewer area; no JSON blob of penalties."""
    opened.post("/events", {"type": "tab_hidden"})
    opened.post("/end")
    html = admin_client.get(f"/admin/proctor/proctoringsession/{opened.id}/change/").content.decode()
    assert "<td>tab_switch</td><td>−8</td>" in html and "<strong>92</strong> / 100 (yellow)" in html
    assert "2023-11-14 22:13:20 UTC" in html and f"/review/sessions/{opened.id}/" in html
    assert '"violation_id"' not in html
    listing = admin_client.get("/admin/proctor/violationrecord/").content.decode()
    assert "22:13:20 UTC" in listing
