"""A reviewer's dismissal re-scores an LTI session and sends the new grade to the gradebook, once."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from django.core.management import call_command
from lti_test_platform import INSTRUCTOR
from test_grades import learner_session

from lms_adapter.gradebook import RESULT_SCOPE, grade_status
from lms_adapter.models import GradeOutbox, LearnerAttempt
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession, ViolationRecord
from proctor_core.service.review.adjudication import adjudicate
from proctor_core.service.review.models import Adjudication

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
    ViolationRecord.objects.create(id="v1", session=session, code="camera_unavailable", notice=True,
                                   occurred_at=session.started_at)
    api.end_session(session)
    call_command("deliver_grades")
    rows = GradeOutbox.objects.count()
    adjudicate(session.pk, ["v1"], "confirmed", "the camera was unplugged", "Instructor")
    assert GradeOutbox.objects.count() == rows
    assert len(platform.accepted_scores) == 1


def _tab_switch_session(platform, client, clock):
    session = learner_session(platform, client)
    token = api.reissue_token(session)
    clock.now += 3
    client.post(f"/api/v1/sessions/{session.pk}/events", {"type": "tab_hidden"},
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    api.end_session(session)
    call_command("deliver_grades")
    return session


def test_instructor_reviews_from_the_launch_without_cookies(platform, registration, client, clock):
    """The instructor's launch links to the session page; a dismissal there reaches the gradebook once."""
    session = _tab_switch_session(platform, client, clock)
    review = platform.launch(client, sub="2", roles=INSTRUCTOR, lineitem=session.lti_attempt.resource_link.lineitem_url)
    link = re.search(r'href="(/review/lti/[^"]+/sessions/[^"]+/)"', review.content.decode()).group(1)
    page = client.get(link)  # the iframe client sends no cookie
    html = page.content.decode()
    assert page.status_code == 200 and "<strong>92</strong>" in html
    assert "Gradebook: Delivered: the gradebook shows 92" in html
    violation = session.violations.get(code="tab_switch")
    answer = client.post(f"{link}decide", {"violation": violation.pk, "decision": "dismissed", "reason": "fire drill"})
    assert answer.status_code == 302
    call_command("deliver_grades")
    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [92, 100]
    html = client.get(link).content.decode()
    assert "<strong>100</strong>" in html and "fire drill" in html
    assert Adjudication.objects.get().reviewer.endswith("(LMS)")


def test_teachers_override_is_reported_not_hidden(platform, registration, client, clock):
    session = _tab_switch_session(platform, client, clock)
    platform.overrides["7"] = 55
    assert grade_status(session.pk).state == "overridden"
    assert "shows 55, not the 92" in grade_status(session.pk).text
    link = session.lti_attempt.resource_link
    link.ags_scopes = [scope for scope in link.ags_scopes if not scope.endswith("result.readonly")]
    link.save()
    assert grade_status(session.pk).state == "unchecked"
    platform.down = True
    link.ags_scopes = link.ags_scopes + [RESULT_SCOPE]
    link.save()
    assert "could not be read back" in grade_status(session.pk).text


def test_erasure_by_lms_user_id(platform, registration, client, clock):
    """Erasing Moodle user 7 removes their session, attempt and grade rows; user 8 keeps theirs."""
    mine = _tab_switch_session(platform, client, clock)
    theirs = learner_session(platform, client, sub="8")
    out = io.StringIO()
    call_command("erase_candidate", "--lms-user", "7", "--issuer", platform.issuer, stdout=out)
    assert f"erased session {mine.pk}" in out.getvalue()
    assert list(ProctoringSession.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not GradeOutbox.objects.filter(attempt__user_id="7").exists()
    assert LearnerAttempt.objects.filter(user_id="8").exists()
