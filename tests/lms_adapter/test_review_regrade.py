"""A reviewer's dismissal re-scores an LTI session and sends the new grade to the gradebook, once."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.management import call_command
from test_grades import learner_session

from lms_adapter.models import GradeOutbox
from proctor_core.service import api
from proctor_core.service.models import ViolationRecord
from proctor_core.service.review.adjudication import adjudicate

pytestmark = pytest.mark.django_db


def _stamp(post) -> datetime:
    return datetime.fromisoformat(post.body["timestamp"].replace("Z", "+00:00"))


def test_dismissal_reposts_the_grade_with_a_fresh_timestamp(platform, registration, client, clock):
    session = learner_session(platform, client)
    token = api.reissue_token(session)
    clock.now += 3
    answer = client.post(f"/api/v1/sessions/{session.pk}/events", {"type": "tab_hidden"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200 and [v["code"] for v in answer.json()["violations"]] == ["tab_switch"]
    assert api.end_session(session).score == 92
    call_command("deliver_grades")
    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [92]

    violation = session.violations.get(code="tab_switch")
    assert adjudicate(session.pk, [violation.pk], "dismissed", "a fire alarm", "Instructor").score == 100
    call_command("deliver_grades")
    call_command("deliver_grades")

    first, second = platform.accepted_scores
    assert second.body["scoreGiven"] == 100 and "No deductions" in second.body["comment"]
    assert _stamp(second) > _stamp(first)
    assert list(GradeOutbox.objects.values_list("status", flat=True).order_by("pk")) == ["delivered", "delivered"]


def test_confirming_changes_no_grade(platform, registration, client, clock):
    """A decision that leaves the score as it was queues nothing new."""
    session = learner_session(platform, client)
    api.end_session(session)
    call_command("deliver_grades")
    rows = GradeOutbox.objects.count()
    ViolationRecord.objects.create(id="v1", session=session, code="camera_unavailable", notice=True,
                                   occurred_at=session.started_at)
    adjudicate(session.pk, ["v1"], "confirmed", "the camera was unplugged", "Instructor")
    assert GradeOutbox.objects.count() == rows
    assert len(platform.accepted_scores) == 1
