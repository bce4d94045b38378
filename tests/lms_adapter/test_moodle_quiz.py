"""The quiz access rule's calls (check, start, submit) and one proctoring session per quiz attempt."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from lti_test_platform import INSTRUCTOR, LEARNER
from quiz_learner import Learner, assert_error, call

from lms_adapter import launch
from lms_adapter.models import GradeOutbox, LearnerAttempt, ResourceLink
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db

PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


# -- check / start / submit ---------------------------------------------------------------------------------------


def test_a_quiz_attempt_is_proctored_from_check_to_grade(platform, registration, client, clock, face_jpeg):
    lineitem = platform.add_line_item()
    learner = Learner(platform, client, clock, lineitem=lineitem)

    before = call(platform, client, clock, "check", attempt=None)
    assert before.status_code == 200
    assert before.json() == {
        "ready": False,
        "reason": "Give your consent and pass the camera check in the proctoring panel first.",
        "session_id": learner.session_id,
    }
    learner.start_monitoring(face_jpeg)
    ready = call(platform, client, clock, "check", attempt=None).json()
    assert ready == {"ready": True, "reason": "Proctoring is running.", "session_id": learner.session_id}

    started = call(platform, client, clock, "start", attempt=501, number=1)
    assert started.status_code == 200 and started.json() == {"session_id": learner.session_id}
    bound = LearnerAttempt.objects.get(session_id=learner.session_id)
    assert (bound.quiz_attempt_id, bound.quiz_attempt_number, bound.quiz_cmid, bound.quiz_name) == (
        501,
        1,
        42,
        "Quiz 1",
    )
    assert ResourceLink.objects.get().quiz_linked_at is not None

    clock.now += 5
    assert learner.api("/events", {"type": "tab_hidden", "seq": 1}).status_code == 200
    clock.now += 3
    assert learner.api("/events", {"type": "tab_visible", "seq": 2}).status_code == 200
    submitted = call(platform, client, clock, "submit", attempt=501, number=1)
    assert submitted.status_code == 200, submitted.content
    answer = submitted.json()
    assert (answer["session_id"], answer["score"], answer["risk_level"]) == (learner.session_id, 92, "green")
    assert answer["review_url"].startswith(f"http://testserver/s/{learner.session_id}/result?key=")
    assert client.get(answer["review_url"]).status_code == 200
    assert not learner.session.active
    assert GradeOutbox.objects.get().score == 92


def test_submit_twice_answers_the_same_result_and_grades_once(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock, lineitem=platform.add_line_item())
    learner.start_monitoring(face_jpeg)
    call(platform, client, clock, "start")
    first = call(platform, client, clock, "submit")
    clock.now += 30
    second = call(platform, client, clock, "submit")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert GradeOutbox.objects.count() == 1


def test_a_long_quiz_name_is_kept_shortened(platform, registration, client, clock, face_jpeg):
    Learner(platform, client, clock).start_monitoring(face_jpeg)

    response = call(platform, client, clock, "start", quiz={"cmid": 42, "name": "Ö" * 1333})

    assert response.status_code == 200, response.content
    assert LearnerAttempt.objects.get().quiz_name == "Ö" * 255


def test_start_is_idempotent_for_the_same_attempt(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock)
    learner.start_monitoring(face_jpeg)

    first = call(platform, client, clock, "start", attempt=501)
    clock.now += 60  # no fresh frame any more: the attempt is bound already, so the same answer
    again = call(platform, client, clock, "start", attempt=501)

    assert first.json() == again.json() == {"session_id": learner.session_id}
    assert LearnerAttempt.objects.filter(quiz_attempt_id=501).count() == 1


def test_start_without_a_ready_session_is_409_and_binds_nothing(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock)
    assert_error(call(platform, client, clock, "start"), 409, "not_ready")
    learner.start_monitoring(face_jpeg, frame=False)  # consent given, but no camera frame
    error = assert_error(call(platform, client, clock, "start"), 409, "not_ready")

    assert "no camera picture" in error["message"]
    assert not LearnerAttempt.objects.filter(quiz_attempt_id__isnull=False).exists()


def test_a_stale_camera_is_not_ready(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock)
    learner.start_monitoring(face_jpeg)
    clock.now += 14
    assert call(platform, client, clock, "check", attempt=None).json()["ready"] is True
    clock.now += 2

    answer = call(platform, client, clock, "check", attempt=None).json()
    assert answer["ready"] is False and "15 seconds" in answer["reason"]
    learner.frame(face_jpeg)
    assert call(platform, client, clock, "check", attempt=None).json()["ready"] is True


def test_check_and_start_for_a_learner_who_never_launched(platform, registration, client, clock, face_jpeg):
    Learner(platform, client, clock, sub="7").start_monitoring(face_jpeg)

    answer = call(platform, client, clock, "check", sub="8", attempt=None)
    assert answer.status_code == 200
    assert answer.json()["ready"] is False and answer.json()["session_id"] is None
    assert_error(call(platform, client, clock, "start", sub="8"), 409, "not_ready")
    assert_error(call(platform, client, clock, "submit", sub="8"), 404, "unknown_attempt")


def test_an_attempt_of_another_learner_is_refused(platform, registration, client, clock, face_jpeg):
    for sub in ("7", "8"):
        Learner(platform, client, clock, sub=sub).start_monitoring(face_jpeg)
    call(platform, client, clock, "start", sub="7", attempt=501)

    assert_error(call(platform, client, clock, "start", sub="8", attempt=501), 409, "attempt_of_another_learner")
    assert_error(call(platform, client, clock, "submit", sub="8", attempt=501), 404, "unknown_attempt")
    assert ProctoringSession.objects.filter(active=True).count() == 2


def test_unknown_activity_and_unknown_attempt_are_404(platform, registration, client, clock, face_jpeg):
    Learner(platform, client, clock).start_monitoring(face_jpeg)

    assert_error(call(platform, client, clock, "check", resource_link_id="999"), 404, "unknown_activity")
    assert_error(call(platform, client, clock, "submit", attempt=777), 404, "unknown_attempt")
    assert ResourceLink.objects.get().quiz_linked_at is not None  # the known activity was linked by the 404 call
    assert ProctoringSession.objects.get().active


def test_a_session_bound_to_an_open_attempt_is_not_ready_for_another(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock)
    learner.start_monitoring(face_jpeg)
    call(platform, client, clock, "start", attempt=501, number=1)

    answer = call(platform, client, clock, "check", attempt=None).json()
    assert answer["ready"] is False and "attempt 1" in answer["reason"]
    assert call(platform, client, clock, "check", attempt=501).json()["ready"] is True
    assert_error(call(platform, client, clock, "start", attempt=502, number=2), 409, "not_ready")


# -- one session per quiz attempt ----------------------------------------------------------------------------------


def test_each_quiz_attempt_gets_its_own_session(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock, lineitem=platform.add_line_item())
    learner.start_monitoring(face_jpeg)
    first_session = learner.session_id
    call(platform, client, clock, "start", attempt=501, number=1)

    learner.launch()  # the next quiz page: the same session, a new token, monitoring already started
    assert learner.session_id == first_session
    assert learner.api("", method="get").json()["monitoring_started_at"] is not None
    call(platform, client, clock, "submit", attempt=501, number=1)

    learner.launch()  # the pre-flight form of the second attempt
    assert learner.session_id != first_session
    assert learner.api("", method="get").json()["monitoring_started_at"] is None
    learner.start_monitoring(face_jpeg)
    assert call(platform, client, clock, "start", attempt=502, number=2).json() == {"session_id": learner.session_id}
    call(platform, client, clock, "submit", attempt=502, number=2)

    rows = LearnerAttempt.objects.order_by("sequence")
    assert [(row.sequence, row.quiz_attempt_number) for row in rows] == [(1, 1), (2, 2)]
    assert GradeOutbox.objects.count() == 2


def test_only_a_plain_activity_offers_the_end_button(platform, registration, client, clock, face_jpeg):
    learner = Learner(platform, client, clock)
    assert "data-endable" not in learner.launch().content.decode()
    learner.start_monitoring(face_jpeg)
    call(platform, client, clock, "check", attempt=None)  # the first signed call links the activity to the quiz

    assert 'data-endable="false"' in learner.launch().content.decode()


def test_concurrent_launches_after_an_attempt_open_one_session(platform, registration, client, clock, monkeypatch):
    """Two pages of the learner launch at once after a submitted attempt: the second resumes what the first opened."""
    learner = Learner(platform, client, clock)
    call(platform, client, clock, "check", attempt=None)
    api.end_session(learner.session)
    real_open = launch._open

    def raced(resource_link, claims, user_id, *, sequence):
        monkeypatch.setattr(launch, "_open", real_open)
        real_open(resource_link, claims, user_id, sequence=sequence)  # the other launch wins the race...
        raise IntegrityError("duplicate key value violates lti_attempt_once_per_learner_sequence")  # ...this one loses

    monkeypatch.setattr(launch, "_open", raced)
    learner.launch()

    rows = LearnerAttempt.objects.order_by("sequence")
    assert [row.sequence for row in rows] == [1, 2]
    assert learner.session_id == str(rows[1].session_id)
    assert api.session_by_token(learner.token) == rows[1].session


def test_a_session_that_proctored_no_attempt_sends_no_grade(platform, registration, client, clock, face_jpeg):
    """Attempt 1 is graded; a pre-flight form left without starting attempt 2 (its session ended, e.g. by the idle
    sweep) must not replace that grade."""
    learner = Learner(platform, client, clock, lineitem=platform.add_line_item())
    learner.start_monitoring(face_jpeg)
    call(platform, client, clock, "start", attempt=501)
    clock.now += 2
    learner.api("/events", {"type": "tab_hidden", "seq": 1})
    call(platform, client, clock, "submit", attempt=501)
    learner.launch()
    learner.start_monitoring(face_jpeg)

    api.end_session(learner.session)
    call_command("deliver_grades")

    assert [row.score for row in GradeOutbox.objects.all()] == [92]
    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [92]


def test_a_plain_activity_keeps_one_session_per_learner(platform, registration, client, clock):
    learner = Learner(platform, client, clock)
    api.end_session(learner.session)

    again = platform.launch(client, sub="7", roles=LEARNER)

    assert again.status_code == 302 and again["Location"].startswith(f"/s/{learner.session_id}/result")
    assert LearnerAttempt.objects.count() == 1


def test_the_review_lists_each_attempt_with_number_score_band_and_link(
    platform, registration, client, clock, face_jpeg
):
    learner = Learner(platform, client, clock)
    for number in (1, 2):
        learner.start_monitoring(face_jpeg)
        call(platform, client, clock, "start", attempt=500 + number, number=number)
        call(platform, client, clock, "submit", attempt=500 + number, number=number)
        learner.launch()

    page = platform.launch(client, sub="2", roles=INSTRUCTOR)
    html = page.content.decode()

    rows = page.context["attempts"]
    assert [row.quiz_attempt_number for row in rows] == [None, 2, 1]
    for row in rows[1:]:
        assert f"/s/{row.session_id}/result?key=" in html
        band = f'<span class="band band-{row.session.risk_level}">{row.session.risk_level}</span>'
        assert f"<strong>{row.session.score:g}</strong>\n      {band}" in html
    assert "Attempt 2" in html and "Attempt 1" in html


def test_the_launch_passes_the_return_url_to_the_page(platform, registration, client):
    back = platform.base + "/mod/lti/return.php?course=2&launch_container=3&instanceid=11"
    presentation = {"document_target": "iframe", "return_url": back}
    response = platform.launch(client, sub="7", roles=LEARNER, **{PRESENTATION: presentation})

    assert response.context["return_url"] == back
    assert 'data-return-url="' + back.replace("&", "&amp;") + '"' in response.content.decode()
    assert 'data-lms="true"' in response.content.decode()


def test_a_return_url_that_is_not_http_is_ignored(platform, registration, client):
    presentation = {"return_url": "javascript:alert(1)"}
    response = platform.launch(client, sub="7", roles=LEARNER, **{PRESENTATION: presentation})

    assert response.context["return_url"] == ""
    assert "data-return-url" not in response.content.decode()
