"""``proctor periodic``: every recurring job runs, and one failing job never stops the others."""

from __future__ import annotations

import logging
import time
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from lms_adapter import grades
from proctor_core.config import ExamConfig
from proctor_core.service import api, engines
from proctor_core.service.health import PERIODIC_HEARTBEAT
from proctor_core.service.models import ProctoringSession
from proctor_core.testing import FakeClock

pytestmark = pytest.mark.django_db(transaction=True)  # the command closes connections between jobs


@pytest.fixture
def idle_session(monkeypatch):
    """A session opened an hour ago with no observation since (the service clock moved on)."""
    exam = api.get_or_create_exam("interview", title="Interview", config=ExamConfig.from_preset("interview"),
                                  standalone=True)
    session, _token = api.open_session(exam=exam, name="Ada", email="ada@example.org")
    monkeypatch.setattr(engines, "clock", FakeClock(time.time() + 3600))
    return session


def test_once_runs_every_job_even_when_one_fails(idle_session, monkeypatch, caplog, settings):
    settings.PROCTOR_OPS = {**settings.PROCTOR_OPS, "IDLE_MINUTES": 30.0}
    cache.delete(PERIODIC_HEARTBEAT)

    def broken():
        raise RuntimeError("outbox unreadable")

    monkeypatch.setattr(grades, "record_missing", broken)
    with caplog.at_level(logging.INFO, logger="proctor.periodic"):
        call_command("periodic", once=True, stdout=StringIO())
    assert "periodic job grades failed" in caplog.text and "outbox unreadable" in caplog.text
    assert f"end_idle_sessions: ended {idle_session.pk}: score 100" in caplog.text
    assert "0 evidence image(s)" not in caplog.text  # routine: only at DEBUG
    session = ProctoringSession.objects.get(pk=idle_session.pk)
    assert session.active is False and session.score == 100  # the idle job ran after the failing one
    assert DBTaskResult.objects.filter(task_path="proctor_core.service.health.heartbeat").count() == 1
    assert cache.get(PERIODIC_HEARTBEAT) is not None


def test_a_session_within_the_idle_time_is_left_open(idle_session, settings):
    settings.PROCTOR_OPS = {**settings.PROCTOR_OPS, "IDLE_MINUTES": 90.0}
    call_command("periodic", once=True, stdout=StringIO())
    assert ProctoringSession.objects.get(pk=idle_session.pk).active is True
