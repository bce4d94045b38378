"""Adjudication: dismissing violations re-scores the session through its policy; every decision is audited."""

from __future__ import annotations

import pytest

from proctor_core.errors import ProctorError
from proctor_core.service.models import ProctoringSession
from proctor_core.service.review.adjudication import adjudicate
from proctor_core.service.review.models import Adjudication

pytestmark = pytest.mark.django_db


def absent_session(open_session, clock, no_face_jpeg, *, exam="interview", seconds=13, end=True):
    """A session whose candidate is away from the camera for ``seconds`` frames, then ended."""
    opened = open_session(exam=exam)
    start = clock.now
    for t in range(1, seconds + 1):
        clock.now = start + t
        assert opened.frame(no_face_jpeg, seq=t).status_code == 200
    if end:
        clock.now = start + seconds + 1
        assert opened.post("/end").status_code == 200
    return ProctoringSession.objects.get(pk=opened.id), opened


def test_dismissing_rescores_and_is_audited(open_session, clock, no_face_jpeg):
    """Dismiss one violation, then the rest: the score rises each time, and the log keeps who, what and why."""
    session, opened = absent_session(open_session, clock, no_face_jpeg)
    ids = list(session.violations.filter(code="face_missing").values_list("pk", flat=True))
    assert len(ids) == 4 and session.score == 80

    report = adjudicate(session.pk, ids[:1], "dismissed", "  candidate was adjusting the lamp ", "alice")
    assert (report.score, report.risk_level.value) == (85, "yellow")
    report = adjudicate(session.pk, ids[1:], "dismissed", "same episode", "alice")
    assert (report.score, report.risk_level.value) == (100, "green")
    assert opened.post("/end").json()["score"] == 100  # the stored, adjudicated report

    log = list(Adjudication.objects.values_list("violation_id", "decision", "reason", "reviewer", "score_before",
                                                "score_after"))
    assert log[0] == (ids[0], "dismissed", "candidate was adjusting the lamp", "alice", 80, 85)
    assert [row[4:] for row in log[1:]] == [(85, 100)] * 3


def test_confirming_after_dismissing_restores_the_deduction(open_session, clock, no_face_jpeg):
    """The latest decision counts: a dismissed violation confirmed again costs its points again."""
    session, _ = absent_session(open_session, clock, no_face_jpeg)
    vid = session.violations.first().pk
    assert adjudicate(session.pk, [vid], "dismissed", "glare", "alice").score == 85
    assert adjudicate(session.pk, [vid], "confirmed", "looked again: nobody there", "bob").score == 80


@pytest.mark.parametrize(
    ("decision", "reason", "ids", "message"),
    [
        ("deleted", "why", None, "decision must be one of"),
        ("dismissed", "   ", None, "give a reason"),
        ("dismissed", "x" * 2001, None, "longer than 2000"),
        ("dismissed", "why", [], "between 1 and 500"),
        ("dismissed", "why", ["not-a-violation"], "not in this session"),
    ],
)
def test_bad_decisions_change_nothing(open_session, clock, no_face_jpeg, decision, reason, ids, message):
    session, _ = absent_session(open_session, clock, no_face_jpeg)
    chosen = ids if ids is not None else [session.violations.first().pk]
    with pytest.raises(ProctorError, match=message):
        adjudicate(session.pk, chosen, decision, reason, "mallory")
    assert not Adjudication.objects.exists()
    assert ProctoringSession.objects.get(pk=session.pk).score == 80


def test_another_sessions_violation_is_refused(open_session, clock, no_face_jpeg):
    """A violation id of another session cannot be adjudicated through this one."""
    first, _ = absent_session(open_session, clock, no_face_jpeg)
    second, _ = absent_session(open_session, clock, no_face_jpeg)
    with pytest.raises(ProctorError, match="not in this session"):
        adjudicate(first.pk, [second.violations.first().pk], "dismissed", "why", "mallory")
    assert ProctoringSession.objects.get(pk=second.pk).score == 80


def test_running_session_cannot_be_adjudicated(open_session, clock, no_face_jpeg):
    session, _ = absent_session(open_session, clock, no_face_jpeg, end=False)
    with pytest.raises(ProctorError, match="still running") as caught:
        adjudicate(session.pk, [session.violations.first().pk], "dismissed", "why", "alice")
    assert caught.value.status_code == 409


def test_exam_preset_charges_an_absence_once(open_session, clock, no_face_jpeg):
    """End to end through the API: the exam preset's episode policy, explained in the stored penalty row."""
    session, _ = absent_session(open_session, clock, no_face_jpeg, exam="exam", seconds=20)
    assert session.violations.filter(code="face_missing").count() == 7
    assert session.score == 95 and session.policy == "episode"
    assert "7 detections counted once" in session.penalties[0]["reason"]


def test_dismissing_keeps_the_coverage_rule(open_session, clock):
    """A session the camera never watched stays yellow and marked for review whatever a reviewer dismisses."""
    opened = open_session(exam="interview")
    clock.now += 2
    assert opened.post("/events", {"type": "tab_hidden"}).status_code == 200
    clock.now += 60
    assert opened.post("/end").json()["risk_level"] == "yellow"
    session = ProctoringSession.objects.get(pk=opened.id)
    report = adjudicate(session.pk, [session.violations.get(code="tab_switch").pk], "dismissed", "a pop-up", "alice")
    assert (report.score, report.risk_level.value) == (100, "yellow")
    assert report.review_reasons and report.coverage is not None
    session.refresh_from_db()
    assert session.review_reasons == list(report.review_reasons)
