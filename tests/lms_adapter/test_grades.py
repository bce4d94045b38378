"""Grade passback: a session's score reaches the platform's gradebook through the outbox, once, whatever happens."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from lti_test_platform import INSTRUCTOR, LEARNER

from lms_adapter import grades, hooks, keys, tasks
from lms_adapter.models import GradeOutbox, LearnerAttempt
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession, to_datetime
from proctor_core.types import Penalty, RiskLevel, ScoreReport

pytestmark = pytest.mark.django_db

Status = GradeOutbox.Status


def learner_session(platform, client, *, sub: str = "7", score_maximum: float = 100) -> ProctoringSession:
    """A learner's launch of a graded activity; returns the session it opened."""
    lineitem = platform.add_line_item(score_maximum=score_maximum)
    response = platform.launch(client, sub=sub, roles=LEARNER, lineitem=lineitem)
    assert response.status_code == 200, response.content
    return ProctoringSession.objects.get(pk=response.context["session_id"])


def report(score: float, *codes: str) -> ScoreReport:
    penalties = tuple(Penalty(str(i), code, points=8, rule="r", reason="w") for i, code in enumerate(codes))
    band = RiskLevel.GREEN if score > 85 else RiskLevel.YELLOW if score > 50 else RiskLevel.RED
    return ScoreReport(score=score, risk_level=band, penalties=penalties, policy="flat")


def score_again(session: ProctoringSession, result: ScoreReport) -> None:
    """What the service does when a session is scored again (an override): the hook, in a transaction."""
    hooks.proctor_session_scored(result, api.session_info(session))


def deliver_due() -> None:
    call_command("deliver_grades")


@pytest.mark.django_db(transaction=True)
def test_learner_session_score_arrives_in_the_gradebook(platform, registration, client, clock, face_jpeg):
    """Launch → frames and tab switches through the REST API → end → the worker's task posts the scaled score."""
    session = learner_session(platform, client, score_maximum=10)
    token = api.reissue_token(session)
    start = clock.now

    def post(path: str, body: dict, offset: float):
        clock.now = start + offset
        return client.post(
            f"/api/v1/sessions/{session.pk}{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    frame = post("/frames", {"image": base64.b64encode(face_jpeg).decode(), "seq": 1}, 1)
    assert frame.status_code == 200 and frame.json()["face_status"] == "ok"
    for seq, (offset, kind) in enumerate([(10, "tab_hidden"), (12, "tab_visible"), (20, "tab_hidden")], start=1):
        assert post("/events", {"type": kind, "seq": seq}, offset).status_code == 200
    ended = post("/end", {}, 25)
    assert ended.status_code == 200 and ended.json()["score"] == 84

    row = GradeOutbox.objects.get()
    assert (row.status, row.score, row.risk_level) == (Status.PENDING, 84, "yellow")
    assert DBTaskResult.objects.filter(task_path="lms_adapter.tasks.deliver_grade", args_kwargs__args=[row.pk]).exists()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    [posted] = platform.score_posts
    assert posted.status == 200
    lineitem = session.lti_attempt.resource_link.lineitem_url
    assert lineitem.endswith("/lineitems/1/lineitem?type_id=1")
    assert posted.url == lineitem.replace("/lineitem?", "/lineitem/scores?")
    body = posted.body
    assert (body["scoreGiven"], body["scoreMaximum"]) == (8.4, 10)
    assert (body["activityProgress"], body["gradingProgress"]) == ("Completed", "FullyGraded")
    assert body["userId"] == "7"
    assert body["comment"] == (
        "Integrity score 84/100 (yellow). Deductions: 2 × tab switch (−16). Coverage: camera 0%, microphone 0% of 24 s"
        " monitored; 1 gap, the longest 24 s. Needs review: The camera covered 0% of the 24 s monitored; this exam"
        " requires 80%."
    )
    assert datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")) == datetime.fromtimestamp(start + 25, UTC)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent) == (Status.DELIVERED, 1, body)
    [assertion] = platform.assertions
    assert assertion["kid"] == keys.kid(registration.tool_key)


def test_platform_down_then_up_delivers_exactly_once(platform, registration, client, clock):
    session = learner_session(platform, client)
    platform.down = True
    api.end_session(session)

    deliver_due()
    row = GradeOutbox.objects.get()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "503" in row.last_error
    assert row.next_attempt_at == to_datetime(clock.now + 30)  # the service clock, not the wall clock

    clock.now += 29
    deliver_due()
    assert GradeOutbox.objects.get().attempts == 1, "not retried before its time"

    clock.now += 1  # the back-off has passed, the platform is still down
    deliver_due()
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == to_datetime(clock.now + 60)

    platform.down = False
    clock.now += 60
    deliver_due()
    deliver_due()
    grades.deliver(row.pk)

    assert len(platform.accepted_scores) == 1
    assert platform.accepted_scores[0].body["scoreGiven"] == 100
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.DELIVERED, 3, "")


def test_unreachable_platform_is_retried(platform, registration, client, settings):
    session = learner_session(platform, client)
    registration.auth_token_url = "http://127.0.0.1:9/token"  # discard port: connection refused
    registration.save()
    api.end_session(session)

    deliver_due()

    row = GradeOutbox.objects.get()
    assert row.status == Status.PENDING
    assert "ConnectionError" in row.last_error or "token" in row.last_error


def test_score_for_a_user_who_cannot_be_graded_fails_for_good(platform, registration, client, clock):
    """Moodle answers 400 to a score for a teacher: recorded as failed, never retried."""
    session = learner_session(platform, client, sub="3")
    platform.non_gradable.add("3")
    api.end_session(session)

    deliver_due()
    clock.now += 3600  # any back-off has passed
    deliver_due()

    row = GradeOutbox.objects.get()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "400" in row.last_error
    assert len(platform.score_posts) == 1


def test_rescoring_replaces_the_grade_with_a_newer_timestamp(platform, registration, client):
    """An override sends the new score with a strictly newer timestamp (Moodle compares whole seconds)."""
    session = learner_session(platform, client)
    api.end_session(session)
    deliver_due()

    score_again(session, report(92, "tab_switch"))
    deliver_due()

    first, second = platform.accepted_scores
    assert (first.body["scoreGiven"], second.body["scoreGiven"]) == (100, 92)
    assert second.body["timestamp"] > first.body["timestamp"]
    assert second.body["comment"] == "Integrity score 92/100 (green). Deductions: 1 × tab switch (−8)."
    assert list(GradeOutbox.objects.values_list("status", flat=True)) == [Status.DELIVERED, Status.DELIVERED]


def test_the_same_result_is_sent_once(platform, registration, client):
    session = learner_session(platform, client)
    api.end_session(session)
    api.end_session(session)
    session.refresh_from_db()
    score_again(session, api.stored_report(session))
    deliver_due()

    assert GradeOutbox.objects.count() == 1
    assert len(platform.score_posts) == 1


def test_a_newer_result_supersedes_one_still_waiting(platform, registration, client, clock):
    session = learner_session(platform, client)
    platform.down = True
    api.end_session(session)
    deliver_due()
    score_again(session, report(76, "tab_switch", "tab_switch", "tab_switch"))
    platform.down = False
    clock.now += 3600  # any back-off has passed
    deliver_due()

    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [76]
    assert sorted(GradeOutbox.objects.values_list("status", flat=True)) == [Status.DELIVERED, Status.SUPERSEDED]


def test_already_current_answer_counts_as_delivered(platform, registration, client):
    """A retry of a score that did arrive (its answer was lost) gets Moodle's 409: nothing left to send."""
    session = learner_session(platform, client)
    api.end_session(session)
    row = GradeOutbox.objects.get()
    grades.post_score(row)  # the first try reached the platform, but the worker never recorded it

    deliver_due()

    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert "already holds" in row.last_error
    assert [post.status for post in platform.score_posts] == [200, 409]


def test_activity_without_gradebook_column_fails_with_an_explanation(platform, registration, client):
    response = platform.launch(client, sub="7", roles=LEARNER)
    api.end_session(ProctoringSession.objects.get(pk=response.context["session_id"]))

    deliver_due()

    row = GradeOutbox.objects.get()
    assert row.status == Status.FAILED
    assert "no gradebook line item" in row.last_error
    assert platform.score_posts == []


def test_pending_manual_only_when_opted_in(platform, registration, client, settings):
    session = learner_session(platform, client)
    settings.PROCTOR_LTI = {"PENDING_MANUAL_FOR_RED": True}
    score_again(session, report(40, *["tab_switch"] * 7))
    score_again(session, report(60, *["tab_switch"] * 5))
    deliver_due()

    assert [post.body["gradingProgress"] for post in platform.accepted_scores] == ["FullyGraded"]
    assert GradeOutbox.objects.order_by("timestamp").first().grading_progress == "PendingManual"


def test_results_the_hook_missed_are_queued_by_the_command(platform, registration, client, monkeypatch):
    session = learner_session(platform, client)
    monkeypatch.setattr(grades, "record", _fail)
    api.end_session(session)
    monkeypatch.undo()
    assert not GradeOutbox.objects.exists()
    assert ProctoringSession.objects.get(pk=session.pk).score == 100, "the service's transaction was not spoiled"

    deliver_due()

    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [100]


def test_sessions_outside_lti_have_no_grade(db):
    exam = api.get_or_create_exam("interview", title="Interview")
    session, _ = api.open_session(exam=exam, name="Ada", email="ada@example.org")
    api.end_session(session)

    assert not GradeOutbox.objects.exists()


def test_instructor_sees_the_grade_status(platform, registration, client):
    session = learner_session(platform, client, sub="3")
    platform.non_gradable.add("3")
    api.end_session(session)
    deliver_due()

    page = platform.launch(client, sub="2", roles=INSTRUCTOR).content.decode()

    assert "failed (refused by the platform)" in page and "HTTP 400" in page
    assert LearnerAttempt.objects.count() == 1


def test_backoff_doubles_up_to_the_cap():
    assert [grades.backoff(n).total_seconds() for n in (1, 2, 3, 8, 50)] == [30, 60, 120, 3600, 3600]


def _fail(*args, **kwargs):
    raise RuntimeError("outbox unavailable")


def test_a_failed_task_schedules_its_retry(platform, registration, client):
    session = learner_session(platform, client)
    platform.down = True
    api.end_session(session)
    row = GradeOutbox.objects.get()

    assert tasks.deliver_grade.call(row.pk) == Status.PENDING

    row.refresh_from_db()
    retry = DBTaskResult.objects.get(task_path="lms_adapter.tasks.deliver_grade")
    assert (retry.args_kwargs["args"], retry.run_after) == ([row.pk], row.next_attempt_at)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_grade(platform, registration, client):
    """Workers racing for one row: the conditional claim lets exactly one of them post it."""
    session = learner_session(platform, client)
    api.end_session(session)
    row = GradeOutbox.objects.get()
    start = threading.Barrier(4)
    outcomes = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(grades.deliver(row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcome is None for outcome in outcomes) == [False, True, True, True]
    assert len(platform.score_posts) == 1
    assert GradeOutbox.objects.get().attempts == 1
