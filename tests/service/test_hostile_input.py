"""Input that used to crash a worker with a 500 (NUL characters, absurd nesting, times past year 9999) is a clean 4xx
that changes nothing, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from proctor_core.service.models import Candidate, ObservationReceipt, ProctoringSession, ViolationRecord


def counts() -> tuple[int, ...]:
    return (
        Candidate.objects.count(),
        ProctoringSession.objects.count(),
        ViolationRecord.objects.count(),
        ObservationReceipt.objects.count(),
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    return error


NUL_BODIES = [
    {"name": "Ada\x00Lovelace", "email": "ada@example.org"},
    {"name": "Ada", "email": "ada\x00@example.org"},
    {"name": "\x00", "email": "ada@example.org"},
    {"name": "Ada", "email": "ada@example.org", "exam": "interview\x00"},
]


@pytest.mark.parametrize("body", NUL_BODIES)
def test_nul_in_a_session_request_is_400(exams, body):
    before = counts()

    error = assert_error(APIClient().post("/api/v1/sessions", body, format="json"), 400, "invalid_request")

    assert any("NUL" in detail["message"] for detail in error["details"])
    assert counts() == before


@pytest.mark.parametrize("body", NUL_BODIES)
def test_nul_in_the_start_form_is_a_400_page(client, exams, body):
    before = counts()

    response = client.post("/", body)

    assert response.status_code == 400
    assert "proctor/start.html" in [template.name for template in response.templates]
    assert "NUL character" in response.content.decode()
    assert counts() == before


def test_nul_in_an_observation_is_400(opened):
    before = counts()

    assert_error(opened.post("/events", {"type": "tab_hidden\x00"}), 400, "invalid_request")
    assert_error(opened.post("/frames", {"image": "AAAA\x00"}), 400, "invalid_request")

    assert counts() == before


@pytest.mark.parametrize("suffix", ["/events", "/audio", "/frames"])
def test_json_nested_100000_deep_is_400_quickly(opened, suffix):
    body = "[" * 100_000 + "]" * 100_000
    started = time.perf_counter()

    response = opened.client.generic("POST", opened.url(suffix), body, content_type="application/json")

    assert time.perf_counter() - started < 2
    assert_error(response, 400, "malformed_json")


def test_session_create_nested_deep_is_400(exams):
    body = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = APIClient().generic("POST", "/api/v1/sessions", body, content_type="application/json")

    assert_error(response, 400, "malformed_json")
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("captured_at", ["1e300", "253402300800", "1e10000", "NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("suffix", "body"), [("/events", '{"type": "tab_hidden", '), ("/audio", '{"is_silent": true, ')]
)
def test_captured_at_out_of_range_is_400(opened, suffix, body, captured_at):
    """Year 10000, 1e300 and non-finite numbers (written as JavaScript would never send them, but a script can)."""
    before = counts()

    response = opened.client.generic(
        "POST", opened.url(suffix), f'{body}"captured_at": {captured_at}}}', content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"invalid_request", "malformed_json"}
    assert counts() == before


@pytest.mark.parametrize("captured_at", ["1e300", "253402300800", "nan", "inf"])
def test_raw_frame_captured_at_out_of_range_is_400(opened, face_jpeg, captured_at):
    response = opened.client.generic(
        "POST", opened.url(f"/frames?captured_at={captured_at}"), face_jpeg, content_type="image/jpeg"
    )

    assert_error(response, 400, "invalid_request")


def test_the_last_second_of_year_9999_is_accepted(opened):
    response = opened.post("/events", {"type": "tab_hidden", "captured_at": 253_402_300_799})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/{id}/violations/%00/evidence",
        "/api/v1/sessions/{id}/frames?captured_at=%00",
        "/api/v1/plugins?x%00=1",
    ],
)
def test_nul_in_an_api_url_is_json_400(opened, path):
    response = opened.client.get(path.format(id=opened.id))

    assert_error(response, 400, "bad_request")


def test_nul_in_a_page_url_is_400(db, client):
    assert client.get("/s/%00/result").status_code == 400
    assert client.get("/?exam=%00").status_code == 400


def test_nul_in_the_admin_login_is_no_500(db, client):
    before = counts()

    response = client.post("/admin/login/", {"username": "admin\x00", "password": "x\x00"})

    assert response.status_code == 200  # the form again, with its error
    assert "Null characters are not allowed" in response.content.decode()
    assert counts() == before
