"""``proctor end_idle_sessions`` scores sessions left open, and leaves live ones alone."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from proctor_core.service.models import ProctoringSession


def run(*args: str) -> str:
    out = StringIO()
    call_command("end_idle_sessions", *args, stdout=out)
    return out.getvalue()


def test_idle_session_is_ended_and_scored_live_one_is_not(open_session, clock, face_jpeg):
    idle, live = open_session(), open_session(email="grace@example.org")
    clock.now += 1
    assert idle.post("/events", {"type": "tab_hidden"}).status_code == 200
    clock.now += 29 * 60
    assert live.frame(face_jpeg).status_code == 200
    clock.now += 2 * 60  # idle: 31 minutes without an observation; live: 2 minutes

    assert "would end" in run("--dry-run") and ProctoringSession.objects.filter(active=True).count() == 2
    output = run()

    ended = ProctoringSession.objects.get(pk=idle.id)
    assert (ended.active, ended.score, ended.risk_level) == (False, 92, "yellow")  # no camera: capped, for review
    assert ended.review_reasons and "camera never worked" in ended.review_reasons[0]
    assert ProctoringSession.objects.get(pk=live.id).active
    assert f"ended {idle.id}: score 92" in output and "1 idle session(s) ended" in output
    assert idle.post("/frames", {"image": "x"}).status_code == 409


def test_session_never_fed_is_idle_from_its_start(open_session, clock):
    opened = open_session()
    clock.now += 30 * 60
    assert "1 idle session(s) ended" in run()
    ended = ProctoringSession.objects.get(pk=opened.id)
    assert (ended.score, ended.risk_level, ended.coverage["camera_s"]) == (100, "yellow", 0)


def test_ended_sessions_are_left_alone(open_session, clock):
    opened = open_session()
    assert opened.post("/end").status_code == 200
    clock.now += 3 * 3600
    assert "0 idle session(s) ended" in run()


def test_non_positive_idle_time_is_refused_and_ends_nothing(open_session, clock):
    opened = open_session()
    clock.now += 3600
    with pytest.raises(CommandError, match="--idle-minutes must be positive, got 0"):
        run("--idle-minutes", "0")
    assert ProctoringSession.objects.get(pk=opened.id).active
