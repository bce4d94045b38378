"""``proctor purge_unstarted_sessions`` deletes what anonymous clients opened and never used, and nothing else."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from lms_adapter import keys
from lms_adapter.models import LearnerAttempt, LtiTool, ResourceLink
from proctor_core.service import api
from proctor_core.service.models import Candidate, ProctoringSession

DAY = 24 * 3600


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_unstarted_sessions", *args, stdout=out)
    return out.getvalue()


def test_never_started_sessions_are_deleted_after_a_day(open_session, clock):
    unused = [open_session(name=f"Script {n}", email=f"s{n}@example.org") for n in range(3)]
    used = open_session(name="Ada")
    assert used.post("/events", {"type": "tab_hidden"}).status_code == 200
    clock.now += DAY - 60

    assert purge() == "0 never-started session(s) deleted\n"
    clock.now += 120
    assert purge("--dry-run") == "3 never-started session(s) would be deleted\n"
    assert ProctoringSession.objects.count() == 4

    assert purge() == "3 never-started session(s) deleted\n"

    assert [str(pk) for pk in ProctoringSession.objects.values_list("pk", flat=True)] == [used.id]
    assert not ProctoringSession.objects.filter(pk__in=[opened.id for opened in unused]).exists()
    assert list(Candidate.objects.values_list("name", flat=True)) == ["Ada"]


def test_a_scored_but_never_started_session_is_deleted_too(open_session, clock):
    """end_idle_sessions scores an abandoned session; it still held no observation."""
    opened = open_session()
    assert opened.post("/end").status_code == 200
    clock.now += 2 * DAY

    assert purge() == "1 never-started session(s) deleted\n"
    assert not ProctoringSession.objects.exists()


def test_a_candidate_with_another_session_is_kept(exams, clock):
    session, _ = api.open_session(exam=exams["interview"], name="Ada", email="ada@example.org", external_id="x 1")
    clock.now += 2 * DAY

    assert purge() == "1 never-started session(s) deleted\n"
    assert Candidate.objects.filter(external_id="x 1").exists()  # an LMS identity is never deleted here


def test_an_lms_learners_session_is_kept(exams, clock):
    tool = LtiTool.objects.create(
        title="LMS", issuer="https://lms.example.org", client_id="c", deployment_ids="[]", tool_key=keys.current_key()
    )
    link = ResourceLink.objects.create(tool=tool, deployment_id="1", resource_link_id="2", exam=exams["exam"])
    session, _ = api.open_session(exam=exams["exam"], name="Ada", email="", external_id="https://lms.example.org 7")
    LearnerAttempt.objects.create(resource_link=link, user_id="7", session=session)
    clock.now += 2 * DAY

    assert purge() == "0 never-started session(s) deleted\n"
    assert ProctoringSession.objects.filter(pk=session.pk).exists()


def test_the_age_must_be_positive(db):
    with pytest.raises(CommandError):
        purge("--older-than-hours", "0")
