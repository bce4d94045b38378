"""The quiz access rule's signed calls (check, start, submit) and one proctoring session per quiz attempt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.db import IntegrityError
from lti_test_platform import INSTRUCTOR, LEARNER

from lms_adapter import launch
from lms_adapter.models import GradeOutbox, LearnerAttempt, ResourceLink, UsedCallId
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db

PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


class Learner:
    """A learner's page: a launch of the activity, then the widget's REST calls with that launch's token."""

    def __init__(self, platform, client, clock, *, sub: str = "7", lineitem: str | None = None) -> None:
        self.platform, self.client, self.clock, self.sub = platform, client, clock, sub
        self.lineitem = lineitem
        self.launch()

    def launch(self):
        response = self.platform.launch(self.client, sub=self.sub, roles=LEARNER, lineitem=self.lineitem)
        assert response.status_code == 200, response.content
        self.page = response.context
        self.session_id, self.token = response.context["session_id"], response.context["token"]
        return response

    def api(self, path: str, body: dict | None = None, *, method: str = "post"):
        call = getattr(self.client, method)
        kwargs = {"content_type": "application/json"} if method == "post" else {}
        return call(
            f"/api/v1/sessions/{self.session_id}{path}",
            *([body or {}] if method == "post" else []),
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
            **kwargs,
        )

    def start_monitoring(self, face_jpeg: bytes, *, frame: bool = True):
        assert self.api("/start").status_code == 200
        if frame:
            self.frame(face_jpeg)

    def frame(self, face_jpeg: bytes):
        body = {"image": base64.b64encode(face_jpeg).decode(), "seq": int(self.clock.now * 1000)}
        assert self.api("/frames", body).status_code == 200

    @property
    def session(self) -> ProctoringSession:
        return ProctoringSession.objects.get(pk=self.session_id)


def call(platform, client, clock, action: str, **claims):
    return platform.quiz_call(client, action, now=clock.now, **claims)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


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
    assert html.count('class="band band-green"') >= 2
    for row in rows[1:]:
        assert f"/s/{row.session_id}/result?key=" in html
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


# -- refusals: nothing changes, a clear JSON error ----------------------------------------------------------------


@pytest.fixture
def ready_learner(platform, registration, client, clock, face_jpeg) -> Learner:
    learner = Learner(platform, client, clock)
    learner.start_monitoring(face_jpeg)
    return learner


def forged(platform, clock, *, action="start", key=None, kid=None, algorithm="RS256", headers=None, **claims) -> str:
    body = platform.quiz_claims(action, **{"now": clock.now, **claims})
    signing_key = key if key is not None else platform.private_key
    return jwt.encode(body, signing_key, algorithm=algorithm, headers={"kid": kid or platform.kid, **(headers or {})})


def assert_refused(response, status: int, code: str, *secrets: str):
    error = assert_error(response, status, code)
    for secret in secrets:
        assert secret not in response.content.decode()
    assert not LearnerAttempt.objects.filter(quiz_attempt_id__isnull=False).exists()
    return error


def hs256_with_public_key(platform, body: dict) -> str:
    """An HS256 token whose secret is the platform's public PEM (PyJWT refuses to make one, so by hand)."""
    pem = platform.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": platform.kid}).encode())
    payload = b64(json.dumps(body).encode())
    signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def test_a_signature_by_another_key_is_refused(platform, ready_learner, client, clock):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = forged(platform, clock, key=other)

    assert_refused(platform.quiz_call(client, "start", token=token), 401, "invalid_signature", token)


def test_an_unknown_kid_is_refused(platform, ready_learner, client, clock):
    response = platform.quiz_call(client, "start", token=forged(platform, clock, kid="not-the-platform-key"))

    assert_refused(response, 401, "unknown_key")


def test_a_missing_kid_is_refused(platform, ready_learner, client, clock):
    body = platform.quiz_claims("start", now=clock.now)
    token = jwt.encode(body, platform.private_key, algorithm="RS256")

    assert_refused(platform.quiz_call(client, "start", token=token), 401, "missing_kid")


@pytest.mark.parametrize("algorithm", ["none", "HS256", "RS512", "PS256"])
def test_algorithms_other_than_rs256_are_refused(platform, ready_learner, client, clock, algorithm):
    body = platform.quiz_claims("start", now=clock.now)
    if algorithm == "none":
        token = jwt.encode(body, None, algorithm="none", headers={"kid": platform.kid})
    elif algorithm == "HS256":  # the classic confusion: the public key used as an HMAC secret
        token = hs256_with_public_key(platform, body)
    else:
        token = jwt.encode(body, platform.private_key, algorithm=algorithm, headers={"kid": platform.kid})

    assert_refused(platform.quiz_call(client, "start", token=token), 401, "unsupported_algorithm")


def test_a_wrong_audience_is_refused(platform, ready_learner, client, clock):
    response = platform.quiz_call(client, "start", token=forged(platform, clock, aud="another-client"))

    assert_refused(response, 403, "unknown_platform")


def test_a_list_audience_is_malformed(platform, ready_learner, client, clock):
    response = platform.quiz_call(client, "start", token=forged(platform, clock, aud=[platform.client_id]))

    assert_refused(response, 400, "malformed_call")


def test_a_wrong_issuer_is_refused(platform, ready_learner, client, clock):
    response = platform.quiz_call(client, "start", token=forged(platform, clock, iss="https://evil.example"))

    assert_refused(response, 403, "unknown_platform")


def test_an_inactive_registration_is_refused(platform, registration, ready_learner, client, clock):
    registration.is_active = False
    registration.save()

    assert_refused(call(platform, client, clock, "start"), 403, "unknown_platform")


def test_an_unknown_deployment_is_refused(platform, ready_learner, client, clock):
    claims = {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "99"}
    response = platform.quiz_call(client, "start", token=forged(platform, clock, **claims))

    assert_refused(response, 403, "unknown_deployment")


def test_an_expired_call_is_refused(platform, ready_learner, client, clock):
    token = forged(platform, clock, now=clock.now - 120)  # iat 120 s ago, exp 60 s ago

    assert_refused(platform.quiz_call(client, "start", token=token), 401, "expired")


def test_a_call_valid_for_too_long_is_refused(platform, ready_learner, client, clock):
    token = forged(platform, clock, iat=int(clock.now), exp=int(clock.now) + 3600)

    assert_refused(platform.quiz_call(client, "start", token=token), 401, "lifetime_too_long")


def test_a_call_from_the_future_is_refused(platform, ready_learner, client, clock):
    token = forged(platform, clock, now=clock.now + 600)

    assert_refused(platform.quiz_call(client, "start", token=token), 401, "issued_in_future")


def test_a_replayed_call_is_refused(platform, ready_learner, client, clock):
    token = forged(platform, clock, action="check", attempt=None)
    assert platform.quiz_call(client, "check", token=token).status_code == 200

    assert_refused(platform.quiz_call(client, "check", token=token), 403, "replayed")
    assert UsedCallId.objects.count() == 1


def test_used_call_ids_are_pruned_after_they_expire(platform, ready_learner, client, clock):
    call(platform, client, clock, "check", attempt=None)
    clock.now += 3600
    call(platform, client, clock, "check", attempt=None)

    assert UsedCallId.objects.count() == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"action": "delete"},
        {"attempt": None},
        {"attempt": {"id": "x", "number": 1}},
        {"quiz": "Quiz 1"},
        {"resource_link_id": 11},
        {"sub": ""},
        {"jti": "short"},
    ],
    ids=["unknown-action", "start-without-attempt", "attempt-id-text", "quiz-not-object", "link-id-number",
         "empty-sub", "short-jti"],
)
def test_malformed_claims_are_400(platform, ready_learner, client, clock, claims):
    response = platform.quiz_call(client, "start", token=forged(platform, clock, **claims))

    assert_refused(response, 400, "malformed_call")


@pytest.mark.parametrize("body", [{}, {"jwt": ""}, {"jwt": "not.a.jwt"}, {"jwt": "x" * 20_000}])
def test_a_missing_or_garbage_token_is_400(platform, ready_learner, client, body):
    assert_refused(client.post("/lti/moodle/quiz/", body), 400, "malformed_call")


def test_only_post_is_allowed(client, db):
    response = client.get("/lti/moodle/quiz/")

    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


def test_the_platform_keyset_is_fetched_once_and_cached(platform, ready_learner, client, clock, monkeypatch):
    from lms_adapter import tool

    fetched = []
    original = tool.HttpSession.get

    def counting_get(self, url, *args, **kwargs):
        fetched.append(url)
        return original(self, url, *args, **kwargs)

    monkeypatch.setattr(tool.HttpSession, "get", counting_get)
    for _ in range(3):
        assert call(platform, client, clock, "check", attempt=None).status_code == 200

    assert fetched.count(platform.jwks_url) <= 1
