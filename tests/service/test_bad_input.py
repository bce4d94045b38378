"""Every class of bad input gets a clear JSON 4xx ``{"error": {code, message, details}}`` and changes nothing."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from rest_framework.test import APIClient

from proctor_core.imaging import MAX_IMAGE_BYTES
from proctor_core.service.conf import proctor_settings
from proctor_core.service.models import Candidate, ObservationReceipt, ProctoringSession, ViolationRecord


def snapshot() -> tuple:
    """Everything a request could have changed."""
    sessions = tuple(
        ProctoringSession.objects.order_by("pk").values_list(
            "pk", "active", "engine_state", "score", "expires_at", "token_hash", "ended_at"
        )
    )
    return sessions, ViolationRecord.objects.count(), ObservationReceipt.objects.count(), Candidate.objects.count()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) == {"code", "message", "details"}
    return error


def raw(opened, suffix: str, body: bytes, content_type: str):
    return opened.client.generic("POST", opened.url(suffix), body, content_type=content_type)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


JSON_CASES = [
    # (stream, body, code)
    ("/events", [1, 2], "invalid_request"),
    ("/events", "tab_hidden", "invalid_request"),
    ("/events", {}, "invalid_request"),
    ("/events", {"type": 5}, "invalid_request"),
    ("/events", {"type": "tab_exploded"}, "invalid_request"),
    ("/events", {"type": "monitoring_gap"}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "seq": "3"}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "seq": -1}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "seq": 2**60}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "seq": 1.5}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "captured_at": "yesterday"}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "captured_at": -5}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "lost": {"frames": 1}}, "invalid_request"),
    ("/events", {"type": "observations_lost", "lost": {"frames": -1}}, "invalid_request"),
    ("/events", {"type": "observations_lost", "lost": {"frames": "3"}}, "invalid_request"),
    ("/events", {"type": "observations_lost", "lost": {"pictures": 3}}, "invalid_request"),
    ("/events", {"type": "observations_lost", "lost": {"audio": 10**7}}, "invalid_request"),
    ("/events", {"type": "observations_lost", "lost": [3]}, "invalid_request"),
    ("/events", {"type": "tab_hidden", "extra": True}, "invalid_request"),
    ("/audio", {"is_silent": "yes"}, "invalid_request"),
    ("/audio", {"is_silent": 1}, "invalid_request"),
    ("/audio", {"is_silent": None}, "invalid_request"),
    ("/audio", {"is_silent": True, "level": -1}, "invalid_request"),
    ("/audio", {"is_silent": True, "level": "loud"}, "invalid_request"),
    ("/frames", {"image": 12}, "invalid_request"),
    ("/frames", {"image": ""}, "invalid_request"),
    ("/frames", {"picture": "abc"}, "invalid_request"),
    ("/frames", {"image": b64(b"hello, world")}, "invalid_image"),
    ("/frames", {"image": "data:image/jpeg;base64," + b64(b"\xff\xd8\xff" + b"\x00" * 64)}, "invalid_image"),
    ("/frames", {"image": "data:text/html;base64," + b64(b"<script>")}, "invalid_image"),
    ("/frames", {"image": "%%% not base64 %%%"}, "invalid_image"),
    ("/frames", {"image": "é" * 40}, "invalid_image"),
]


@pytest.mark.parametrize(
    ("suffix", "body", "code"), JSON_CASES, ids=[f"{s}-{c}-{i}" for i, (s, _, c) in enumerate(JSON_CASES)]
)
def test_invalid_json_bodies_are_400_and_change_nothing(opened, suffix, body, code):
    before = snapshot()
    error = assert_error(opened.post(suffix, body), 400, code)
    if code == "invalid_request":
        assert error["details"] and all({"field", "message", "type"} <= set(d) for d in error["details"])
    assert snapshot() == before


@pytest.mark.parametrize("suffix", ["/events", "/audio", "/frames"])
@pytest.mark.parametrize("body", [b'{"type": ', b"{'type': 'tab_hidden'}", b'{"is_silent": NaN}', b"\xff\xfe{}"])
def test_malformed_json_is_400(opened, suffix, body):
    before = snapshot()
    assert_error(raw(opened, suffix, body, "application/json"), 400, "malformed_json")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("suffix", "content_type"),
    [("/events", "text/plain"), ("/audio", "application/x-www-form-urlencoded"), ("/frames", "image/gif")],
)
def test_unsupported_media_type_is_415(opened, suffix, content_type):
    before = snapshot()
    assert_error(raw(opened, suffix, b"type=tab_hidden", content_type), 415, "unsupported_media_type")
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [b"not a jpeg at all", b"\xff\xd8\xff\xe0" + b"\x00" * 100, b""],
    ids=["garbage", "header-only", "empty"],
)
def test_garbage_raw_frames_are_400(opened, body):
    before = snapshot()
    response = raw(opened, "/frames", body, "image/jpeg")
    assert_error(response, 400, "invalid_request" if body == b"" else "invalid_image")
    assert snapshot() == before


def test_truncated_jpeg_is_400(opened, face_jpeg):
    before = snapshot()
    assert_error(raw(opened, "/frames", face_jpeg[: len(face_jpeg) // 2], "image/jpeg"), 400, "invalid_image")
    assert snapshot() == before


def test_raw_frame_with_bad_query_is_400(opened, face_jpeg):
    before = snapshot()
    response = opened.client.generic("POST", opened.url("/frames") + "?seq=abc", face_jpeg, content_type="image/jpeg")
    assert_error(response, 400, "invalid_request")
    assert snapshot() == before


def test_body_over_the_cap_is_413_before_it_is_read(opened):
    before = snapshot()
    body = json.dumps({"image": "A" * (proctor_settings().MAX_BODY_BYTES + 10)}).encode()
    error = assert_error(raw(opened, "/frames", body, "application/json"), 413, "payload_too_large")
    assert error["details"]["max_bytes"] == proctor_settings().MAX_BODY_BYTES
    assert snapshot() == before


def test_image_over_the_cap_is_413(opened):
    before = snapshot()
    body = b"\xff\xd8\xff\xe0" + b"\x00" * (MAX_IMAGE_BYTES + 1)
    assert len(body) < proctor_settings().MAX_BODY_BYTES
    assert_error(raw(opened, "/frames", body, "image/jpeg"), 413, "image_too_large")
    assert snapshot() == before


def test_huge_session_create_is_413(exams):
    before = snapshot()
    body = json.dumps({"name": "x" * proctor_settings().MAX_BODY_BYTES, "email": "a@b.org"}).encode()
    response = APIClient().generic("POST", "/api/v1/sessions", body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert snapshot() == before


# -- authentication and scoping -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code"),
    [(None, "not_authenticated"), ("Bearer not-a-real-token", "invalid_token"), ("Bearer ", "invalid_token"),
     ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", "not_authenticated"), ("Bearer a b", "invalid_token")],
)
@pytest.mark.parametrize("suffix", ["/events", "/end", ""])
def test_missing_or_bad_token_is_401(opened, header, code, suffix):
    before = snapshot()
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    url = opened.url(suffix)
    response = client.get(url) if suffix == "" else client.post(url, {"type": "tab_hidden"}, format="json")
    assert_error(response, 401, code)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


@pytest.mark.parametrize("suffix", ["/events", "/end", "", "/violations"])
def test_another_sessions_token_is_403(open_session, suffix):
    mine, theirs = open_session(), open_session(email="grace@example.org")
    before = snapshot()
    url, client = theirs.url(suffix), mine.client
    reads = suffix in ("", "/violations")
    response = client.get(url) if reads else client.post(url, {"type": "tab_hidden"}, format="json")
    assert_error(response, 403, "token_for_other_session")
    assert snapshot() == before


def test_unknown_session_is_404_with_a_token_and_401_without(opened):
    before = snapshot()
    url = f"/api/v1/sessions/{uuid.uuid4()}/events"
    assert_error(opened.client.post(url, {"type": "tab_hidden"}, format="json"), 404, "session_not_found")
    assert_error(APIClient().post(url, {"type": "tab_hidden"}, format="json"), 401, "not_authenticated")
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/api/v1/sessions/not-a-uuid/events", "/api/v1/nothing", "/api/v1/sessions/"])
def test_unknown_api_urls_are_json_404(opened, path):
    assert_error(opened.client.post(path, {"type": "tab_hidden"}, format="json"), 404, "not_found")


def test_wrong_method_is_405(opened):
    before = snapshot()
    assert_error(opened.client.get(opened.url("/frames")), 405, "method_not_allowed")
    assert snapshot() == before


def test_expired_token_is_401(opened, clock):
    clock.now += 13 * 3600
    before = snapshot()
    assert_error(opened.post("/events", {"type": "tab_hidden"}), 401, "token_expired")
    assert snapshot() == before


def test_token_reads_the_result_for_an_hour_after_the_end(opened, clock):
    opened.post("/end")
    clock.now += 59 * 60
    assert opened.get().status_code == 200
    clock.now += 2 * 60
    assert_error(opened.get(), 401, "token_expired")


# -- ended sessions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "body"),
    [("/events", {"type": "tab_hidden", "seq": 7}), ("/audio", {"is_silent": True}), ("/frames", {"image": "x"})],
)
def test_ended_session_answers_409(opened, suffix, body):
    opened.post("/end")
    before = snapshot()
    assert_error(opened.post(suffix, body), 409, "session_ended")
    assert snapshot() == before


# -- opening sessions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "Ada", "email": "ada@example.org", "exam": "nope"}, "unknown_exam"),
        ({"name": "Ada", "email": "not an email"}, "invalid_request"),
        ({"name": "", "email": "ada@example.org"}, "invalid_request"),
        ({"name": 42, "email": "ada@example.org"}, "invalid_request"),
        ({"email": "ada@example.org"}, "invalid_request"),
        ({"name": "Ada", "email": "ada@example.org", "exam": "../etc"}, "invalid_request"),
        ({"name": "Ada", "email": "ada@example.org", "admin": True}, "invalid_request"),
    ],
)
def test_bad_session_requests_open_nothing(exams, body, code):
    before = snapshot()
    error = assert_error(APIClient().post("/api/v1/sessions", body, format="json"), 400, code)
    if code == "unknown_exam":
        assert error["details"]["available"] == ["evidence", "exam", "interview"]
    assert snapshot() == before


def test_lms_only_exam_is_not_offered_standalone(exams):
    from proctor_core.service import api

    api.get_or_create_exam("lti-course-42", title="Course exam")
    response = APIClient().post(
        "/api/v1/sessions", {"name": "Ada", "email": "ada@example.org", "exam": "lti-course-42"}, format="json"
    )
    assert_error(response, 400, "unknown_exam")
    assert ProctoringSession.objects.count() == 0


def test_a_host_not_allowed_is_json_400_under_api(opened):
    before = snapshot()
    response = opened.client.post(opened.url("/events"), {"type": "tab_hidden"}, format="json", HTTP_HOST="evil.test")
    assert_error(response, 400, "bad_request")
    assert snapshot() == before
