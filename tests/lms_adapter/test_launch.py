"""Resource-link launches: a learner gets their proctoring session and the widget, an instructor the review page."""

from __future__ import annotations

import pytest
from lti_test_platform import INSTRUCTOR, LEARNER, LIS

from lms_adapter import exam_params
from lms_adapter.models import LearnerAttempt, ResourceLink
from proctor_core.config import ExamConfig
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db


def test_learner_launch_opens_a_session_and_the_widget(platform, registration, client):
    """The first launch opens the learner's session for the resource link and renders the monitoring page."""
    lineitem = platform.add_line_item()
    response = platform.launch(client, sub="7", roles=LEARNER, lineitem=lineitem)

    assert response.status_code == 200, response.content
    assert "proctor/monitor.html" in [template.name for template in response.templates]
    attempt = LearnerAttempt.objects.get()
    session = attempt.session
    assert (attempt.user_id, attempt.resource_link.resource_link_id) == ("7", "11")
    assert response.context["session_id"] == str(session.pk)
    assert api.session_by_token(response.context["token"]) == session
    assert (session.candidate.name, session.candidate.email) == ("Ada Learner7", "ada7@example.org")
    assert session.candidate.external_id == f"{platform.issuer} 7"
    link = ResourceLink.objects.get()
    assert (link.lineitem_url, link.context_title, link.exam.title) == (lineitem, "Computing 101", "Midterm")
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in link.ags_scopes
    assert not response.cookies or all(not cookie.value for cookie in response.cookies.values())


def test_relaunch_resumes_the_same_session_with_a_new_token(platform, registration, client):
    first = platform.launch(client, sub="7", roles=LEARNER)
    second = platform.launch(client, sub="7", roles=LEARNER)

    assert second.status_code == 200
    assert first.context["session_id"] == second.context["session_id"]
    assert ProctoringSession.objects.count() == 1
    assert api.session_by_token(first.context["token"]) is None
    assert api.session_by_token(second.context["token"]) is not None


def test_each_learner_and_each_activity_gets_its_own_session(platform, registration, client):
    platform.launch(client, sub="7", roles=LEARNER)
    platform.launch(client, sub="8", roles=LEARNER)
    platform.launch(client, sub="7", roles=LEARNER, resource_link_id="12")

    assert LearnerAttempt.objects.count() == 3
    assert ResourceLink.objects.count() == 2


def test_ended_session_shows_its_result(platform, registration, client):
    first = platform.launch(client, sub="7", roles=LEARNER)
    api.end_session(ProctoringSession.objects.get(pk=first.context["session_id"]))

    again = platform.launch(client, sub="7", roles=LEARNER)

    assert again.status_code == 302
    assert again["Location"].startswith(f"/s/{first.context['session_id']}/result")


def test_rules_come_from_the_custom_parameter(platform, registration, client):
    config = ExamConfig.from_preset("interview").model_copy(update={"keep_evidence": True})
    platform.launch(client, roles=LEARNER, custom={exam_params.CUSTOM_PARAM: exam_params.encode(config)})

    assert ResourceLink.objects.get().exam.exam_config() == api.validated_config(config)


def test_activity_without_rules_uses_the_exam_preset(platform, registration, client):
    platform.launch(client, roles=LEARNER)

    assert ResourceLink.objects.get().exam.exam_config() == api.validated_config(ExamConfig.from_preset("exam"))


def test_invalid_rules_parameter_is_a_clear_400(platform, registration, client):
    response = platform.launch(client, roles=LEARNER, custom={exam_params.CUSTOM_PARAM: "not-base64-json"})

    assert response.status_code == 400
    assert b"proctor_exam" in response.content
    assert not ProctoringSession.objects.exists()


def test_instructor_launch_opens_the_review_page(platform, registration, client):
    """Sessions, scores, bands and violations of the activity, for an instructor of the course."""
    learner = platform.launch(client, sub="7", roles=LEARNER)
    session = ProctoringSession.objects.get(pk=learner.context["session_id"])
    api.end_session(session)

    response = platform.launch(client, sub="2", roles=INSTRUCTOR)

    assert response.status_code == 200
    assert "lms_adapter/review.html" in [template.name for template in response.templates]
    assert [attempt.session for attempt in response.context["attempts"]] == [session]
    page = response.content.decode()
    assert "Ada Learner7" in page and "band-yellow" in page and "100" in page  # no camera: capped at yellow
    assert "camera 0%, microphone 0% of 0 s monitored" in page and "Needs review: The camera never worked" in page
    assert not LearnerAttempt.objects.filter(user_id="2").exists()


def test_teaching_assistant_is_an_instructor(platform, registration, client):
    response = platform.launch(client, sub="3", roles=[LIS + "membership/Instructor#TeachingAssistant"])

    assert "lms_adapter/review.html" in [template.name for template in response.templates]


def test_user_with_neither_role_is_refused(platform, registration, client):
    response = platform.launch(client, sub="9", roles=[LIS + "membership#Mentor"])

    assert response.status_code == 403
    assert not ProctoringSession.objects.exists()


def test_a_launch_without_grade_service_keeps_the_known_line_item(platform, registration, client):
    lineitem = platform.add_line_item()
    platform.launch(client, sub="7", roles=LEARNER, lineitem=lineitem)

    platform.launch(client, sub="2", roles=INSTRUCTOR)

    assert ResourceLink.objects.get().lineitem_url == lineitem
