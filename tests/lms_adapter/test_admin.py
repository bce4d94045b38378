"""The admin: registrations edited in pylti1p3's pages, the grade outbox visible and re-queueable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_tasks_db.models import DBTaskResult
from lti_test_platform import LEARNER

from lms_adapter import grades
from lms_adapter.models import GradeOutbox
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client() -> Client:
    User.objects.create_superuser("admin", "admin@example.org", "secret")
    browser = Client()
    browser.login(username="admin", password="secret")
    return browser


def test_registrations_and_keys_are_edited_in_the_admin(admin_client, registration):
    assert admin_client.get("/admin/lti1p3_tool_config/ltitool/").status_code == 200
    page = admin_client.get(f"/admin/lti1p3_tool_config/ltitool/{registration.pk}/change/")
    assert page.status_code == 200
    assert registration.issuer in page.content.decode()
    assert admin_client.get("/admin/lti1p3_tool_config/ltitoolkey/").status_code == 200


def test_failed_grade_is_shown_and_sent_again(admin_client, platform, registration, client):
    platform.non_gradable.add("7")
    response = platform.launch(client, sub="7", roles=LEARNER, lineitem=platform.add_line_item())
    api.end_session(ProctoringSession.objects.get(pk=response.context["session_id"]))
    row = GradeOutbox.objects.get()
    grades.deliver(row.pk)

    listing = admin_client.get("/admin/lms_adapter/gradeoutbox/")
    assert listing.status_code == 200
    assert "failed (refused by the platform)" in listing.content.decode()

    platform.non_gradable.clear()  # e.g. the teacher's role was corrected in the course
    sent = admin_client.post(
        "/admin/lms_adapter/gradeoutbox/", {"action": "send_again", "_selected_action": [row.pk]}, follow=True
    )

    assert sent.status_code == 200
    row.refresh_from_db()
    assert row.status == GradeOutbox.Status.PENDING
    queued = DBTaskResult.objects.filter(task_path="lms_adapter.tasks.deliver_grade")
    assert [task.args_kwargs["args"] for task in queued] == [[row.pk], [row.pk]]  # at the end, and again now


def test_learner_attempts_show_their_quiz_attempt(admin_client, platform, registration, client):
    response = platform.launch(client, sub="7", roles=LEARNER)
    attempt = ProctoringSession.objects.get(pk=response.context["session_id"]).lti_attempt
    attempt.quiz_name, attempt.quiz_attempt_number = "Quiz 1", 2
    attempt.save()

    listing = admin_client.get("/admin/lms_adapter/learnerattempt/?q=Quiz")

    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Quiz 1" in page and ">2<" in page
    assert admin_client.get("/admin/lms_adapter/resourcelink/").status_code == 200
