"""Exam-wrapper mode: the rules form's exam address, the content item that carries it, and the learner's launch
answering with the wrapper page (the exam framed under the widget) and its own headers."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.test import Client
from lti_test_platform import INSTRUCTOR, LEARNER
from test_deep_linking import CONTENT_ITEMS, answer_jwt, rules

from lms_adapter import exam_params
from proctor_core.config import ExamConfig
from proctor_core.service import api
from proctor_core.service.models import Exam, ProctoringSession

pytestmark = pytest.mark.django_db

EXAM_URL = "https://quiz.example.edu/courses/1/quizzes/7/take"


@pytest.fixture(autouse=True)
def probes(monkeypatch) -> list[tuple[str, str]]:
    """The framing check of the rules form, kept off the network: (address, tool origin) of each call.
    The check itself is tested in test_exam_framing_check.py against a local site."""
    calls: list[tuple[str, str]] = []

    def probe(url: str, *, framer_origin: str, allow_loopback: bool) -> None:
        calls.append((url, framer_origin))

    monkeypatch.setattr("lms_adapter.deep_linking.probe_framing", probe)
    return calls


def wrapped(url: str = EXAM_URL) -> dict[str, str]:
    """The custom parameters of an activity whose exam lives at ``url``."""
    config = ExamConfig.from_preset("exam").model_copy(update={"exam_url": url})
    return {exam_params.CUSTOM_PARAM: exam_params.encode(config)}


def rules_form(platform, client) -> str:
    page = platform.launch(client, sub="2", roles=INSTRUCTOR, deep_linking=True)
    assert '<label for="id_exam_url">Exam address</label>' in page.content.decode()
    assert 'name="add_despite_framing"' not in page.content.decode(), "offered only with a refusal"
    return page.context["launch_id"]


def test_the_exam_address_travels_in_the_content_item_and_opens_the_wrapper(platform, registration, client, probes):
    launch_id = rules_form(platform, client)
    response = client.post("/lti/deep-link/", rules(launch_id, exam_url=f"  {EXAM_URL}  "))
    assert probes == [(EXAM_URL, "http://testserver")], "the exam site was asked whether it allows framing"
    [item] = answer_jwt(platform, response)[CONTENT_ITEMS]
    assert set(item["custom"]) == {exam_params.CUSTOM_PARAM}
    assert exam_params.decode(item["custom"][exam_params.CUSTOM_PARAM]).exam_url == EXAM_URL

    learner = platform.launch(client, sub="7", roles=LEARNER, custom=item["custom"])

    assert learner.status_code == 200, learner.content
    assert [t.name for t in learner.templates][0] == "proctor/wrapper.html"
    session = ProctoringSession.objects.get(pk=learner.context["session_id"])
    assert session.exam_config().exam_url == EXAM_URL
    page = learner.content.decode()
    assert f'data-exam-url="{EXAM_URL}"' in page
    assert "<iframe" not in page, "the exam frame is created only once monitoring has started"
    assert 'data-exam-sandbox="allow-scripts allow-same-origin allow-forms allow-modals allow-downloads"' in page
    assert api.session_by_token(learner.context["token"]) == session


def test_the_wrapper_page_has_its_own_strict_headers(platform, registration, client, settings):
    settings.PROCTOR = {**settings.PROCTOR, "FRAME_ANCESTORS": ["https://moodle.example.edu"]}
    response = platform.launch(client, sub="7", roles=LEARNER, custom=wrapped())

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["style-src"] == policy["connect-src"] == "'self'"
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"  # WebAssembly for on-device analysis, no eval
    assert policy["frame-src"] == "https://quiz.example.edu"
    assert policy["object-src"] == policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "https://moodle.example.edu"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    # nothing inline for the policy to refuse: scripts and styles are files of the tool
    page = response.content.decode()
    assert "<style" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page) and " style=" not in page


def test_without_framing_origins_the_wrapper_is_never_framed(platform, registration, client, settings):
    settings.PROCTOR = {**settings.PROCTOR, "FRAME_ANCESTORS": []}
    response = platform.launch(client, sub="7", roles=LEARNER, custom=wrapped())

    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_an_activity_without_address_keeps_the_plain_monitoring_page(platform, registration, client):
    response = platform.launch(client, sub="7", roles=LEARNER)

    assert [t.name for t in response.templates][0] == "proctor/monitor.html"
    assert "frame-src" not in response["Content-Security-Policy"]


def test_the_instructor_still_gets_the_review_which_names_the_exam(platform, registration, client):
    response = platform.launch(client, sub="2", roles=INSTRUCTOR, custom=wrapped())

    assert [t.name for t in response.templates][0] == "lms_adapter/review.html"
    assert f'<a href="{EXAM_URL}" rel="noreferrer">{EXAM_URL}</a>' in response.content.decode()
    plain = platform.launch(client, sub="2", roles=INSTRUCTOR, resource_link_id="12")
    assert "taken inside the monitored page" not in plain.content.decode()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(document.cookie)", "https://"),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "https://"),
        ("https://student:pw@quiz.example.edu/", "user name"),
        ("http://quiz.example.edu/", "https://"),
        ("http://127.0.0.1:9000/exam", "https://"),  # loopback http: development and tests only
        ("https://quiz.example.edu/\"><script>alert(1)</script>", "quotes"),
        ("https:quiz", "host"),
        ("https://" + "a" * 2000 + ".example", "at most 2000 characters"),
    ],
)
def test_hostile_exam_addresses_are_refused_by_the_form(platform, registration, client, settings, url, reason):
    settings.PROCTOR = {**settings.PROCTOR, "EXAM_ADDRESS_LOOPBACK_HTTP": False}
    launch_id = rules_form(platform, client)

    response = client.post("/lti/deep-link/", rules(launch_id, exam_url=url))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors.keys() == {"exam_url"} and reason in errors["exam_url"][0]
    assert "JWT" not in response.content.decode(), "no content item is returned to the platform"
    assert ProctoringSession.objects.count() == 0 and Exam.objects.count() == 0


def test_loopback_http_is_allowed_in_development_only(platform, registration, client, settings):
    url = "http://127.0.0.1:9000/exam"
    settings.PROCTOR = {**settings.PROCTOR, "EXAM_ADDRESS_LOOPBACK_HTTP": True}
    accepted = client.post("/lti/deep-link/", rules(rules_form(platform, client), exam_url=url))
    [item] = answer_jwt(platform, accepted)[CONTENT_ITEMS]
    assert exam_params.decode(item["custom"][exam_params.CUSTOM_PARAM]).exam_url == url

    settings.PROCTOR = {**settings.PROCTOR, "EXAM_ADDRESS_LOOPBACK_HTTP": False}
    refused = platform.launch(client, sub="7", roles=LEARNER, custom=item["custom"])

    assert refused.status_code == 409
    assert "must start with https://" in refused.content.decode()
    assert b"data-token" not in refused.content, "no monitoring page, no token"


def test_a_forged_hostile_address_in_the_launch_is_a_clear_400(platform, registration, client):
    """The custom parameter is signed by the platform, but its administrator can edit it there: it is re-checked."""
    raw = json.dumps({"preset": "exam", "exam_url": "javascript:alert(1)"}).encode()
    hostile = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    response = platform.launch(client, sub="7", roles=LEARNER, custom={exam_params.CUSTOM_PARAM: hostile})

    assert response.status_code == 400
    assert "exam_url" in response.content.decode() and "https://" in response.content.decode()
    assert ProctoringSession.objects.count() == 0


@pytest.fixture
def standalone_exam(db):
    """A stand-alone exam (offered on the start page) whose exam lives at another site."""

    def create(url: str) -> Exam:
        config = ExamConfig.from_preset("exam").model_copy(update={"exam_url": url})
        return api.get_or_create_exam("take-home", title="Take-home", config=config, standalone=True)

    return create


def start(exam: Exam, **extra):
    return Client().post("/", {"name": "Ada", "email": "ada@example.org", "exam": exam.slug}, follow=True, **extra)


def test_a_standalone_exam_with_an_address_opens_the_wrapper_too(standalone_exam):
    response = start(standalone_exam(EXAM_URL))

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "proctor/wrapper.html"
    assert "frame-src https://quiz.example.edu;" in response["Content-Security-Policy"]


def test_an_address_on_the_tool_itself_is_refused(standalone_exam, settings):
    """The exam frame may keep its own origin; on the tool's origin that would be the wrapper's own, so never."""
    settings.ALLOWED_HOSTS = ["proctor.example.edu"]
    exam = standalone_exam("https://proctor.example.edu/admin/")

    response = start(exam, secure=True, HTTP_HOST="proctor.example.edu")

    assert response.status_code == 409
    assert "own site, which is never framed" in response.content.decode()
    assert b"data-token" not in response.content
    assert ProctoringSession.objects.count() == 0, "no session for an exam that cannot be shown"


def test_a_refused_address_opens_no_session_and_a_corrected_one_does(platform, registration, client, settings):
    settings.PROCTOR = {**settings.PROCTOR, "EXAM_ADDRESS_LOOPBACK_HTTP": False}
    first = platform.launch(client, sub="7", roles=LEARNER, custom=wrapped("http://127.0.0.1:9000/exam"))
    assert first.status_code == 409
    assert ProctoringSession.objects.count() == 0, "no session for an exam that cannot be shown"

    fixed = platform.launch(client, sub="7", roles=LEARNER, custom=wrapped(EXAM_URL))

    assert fixed.status_code == 200 and f'data-exam-url="{EXAM_URL}"' in fixed.content.decode()
    assert ProctoringSession.objects.count() == 1


def test_a_refused_address_leaves_an_open_session_and_its_page_alone(platform, registration, client, settings):
    """The activity's address is broken after the learner started (its administrator edited it): the relaunch says
    why, and the page already open keeps its token, its session and its monitoring."""
    opened = platform.launch(client, sub="7", roles=LEARNER, custom=wrapped(EXAM_URL))
    assert opened.status_code == 200
    token = opened.context["token"]

    settings.PROCTOR = {**settings.PROCTOR, "EXAM_ADDRESS_LOOPBACK_HTTP": False}
    refused = platform.launch(client, sub="7", roles=LEARNER, custom=wrapped("http://127.0.0.1:9000/exam"))

    assert refused.status_code == 409 and b"data-token" not in refused.content
    session = api.session_by_token(token)
    assert session is not None and session.active, "the open page's token still opens its session"
    assert ProctoringSession.objects.count() == 1
