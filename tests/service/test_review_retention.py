"""Retention, erasure and the export command: what goes, what stays, and that it is logged."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from django.core.management import CommandError, call_command
from test_review_adjudication import absent_session

from proctor_core.config import ExamConfig
from proctor_core.service import api
from proctor_core.service.models import Candidate, ProctoringSession, ViolationRecord
from proctor_core.service.review.adjudication import adjudicate
from proctor_core.service.review.models import Adjudication

pytestmark = pytest.mark.django_db
DAY = 86400


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_retention_deletes_only_expired_sessions_of_exams_that_set_it(open_session, clock, no_face_jpeg, exams,
                                                                       caplog):
    api.update_exam_config(exams["interview"], ExamConfig.from_preset("interview").model_copy(
        update={"data_retention_days": 30}))
    old, _ = absent_session(open_session, clock, no_face_jpeg)
    adjudicate(old.pk, [old.violations.first().pk], "dismissed", "glare", "alice")
    kept_other_exam, _ = absent_session(open_session, clock, no_face_jpeg, exam="exam", seconds=7)
    clock.now += 29 * DAY
    young, _ = absent_session(open_session, clock, no_face_jpeg, seconds=7)
    running = open_session()
    clock.now += 2 * DAY

    assert "would delete session" in run("purge_expired_sessions", "--dry-run")
    assert ProctoringSession.objects.filter(pk=old.pk).exists()
    with caplog.at_level(logging.INFO, logger="proctor.retention"):
        out = run("purge_expired_sessions")
    assert f"deleted session {old.pk}" in out and "deleted 1 session(s), 4 violation(s), 1 candidate(s)" in out
    assert f"session {old.pk} (exam interview" in caplog.text
    assert set(ProctoringSession.objects.values_list("pk", flat=True)) == {
        kept_other_exam.pk, young.pk, uuid.UUID(running.id)}
    assert not ViolationRecord.objects.filter(session_id=old.pk).exists() and not Adjudication.objects.exists()
    assert not Candidate.objects.filter(pk=old.candidate_id).exists()


def test_erasure_by_email_takes_everything_of_that_person_only(open_session, clock, no_face_jpeg):
    mine, _ = absent_session(open_session, clock, no_face_jpeg, seconds=7)
    open_session(email="ADA@example.org")
    open_session(name="Bob", email="bob@example.org")
    out = run("erase_candidate", "--email", "ada@EXAMPLE.org")
    assert "erased session" in out and "deleted 2 session(s)" in out
    assert list(ProctoringSession.objects.values_list("candidate__email", flat=True)) == ["bob@example.org"]
    assert not Candidate.objects.filter(email__iexact="ada@example.org").exists()
    assert not ViolationRecord.objects.filter(session_id=mine.pk).exists()


@pytest.mark.parametrize(("args", "message"), [((), "give --email or --lms-user"),
                                                (("--issuer", "https://lms"), "give --email or --lms-user"),
                                                (("--email", "a@b.c", "--issuer", "x"), "give both")])
def test_erasure_needs_a_person(args, message, open_session):
    open_session()
    with pytest.raises(CommandError, match=message):
        call_command("erase_candidate", *args)
    assert ProctoringSession.objects.count() == 1


def test_export_command(open_session, clock, no_face_jpeg, tmp_path):
    absent_session(open_session, clock, no_face_jpeg, seconds=7)
    out = run("export_results", "--exam", "interview", "--what", "violations", "--format", "json")
    rows = json.loads(out)
    assert [row["code"] for row in rows] == ["face_missing"] and rows[0]["occurred_at"].endswith("Z")
    target = tmp_path / "s.csv"
    call_command("export_results", "--exam", "interview", "--output", str(target), stderr=io.StringIO())
    assert target.read_text().splitlines()[0].startswith("session_id,exam,candidate_name")
    with pytest.raises(CommandError, match="available: evidence, exam, interview"):
        call_command("export_results", "--exam", "nope")
