"""What one anonymous client may cost: 2,000 sessions an hour (API and start form together), 10 admin login failures."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from proctor_core.service.models import ProctoringSession

LIMIT = 2000
BODY = {"name": "Ada", "email": "ada@example.org", "exam": "interview"}


@pytest.fixture(autouse=True)
def fresh_counts(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast: the test is the lockout
    cache.clear()
    yield
    cache.clear()


def create(client: APIClient, **extra):
    return client.post("/api/v1/sessions", BODY, format="json", **extra)


def test_the_2001st_session_from_one_client_is_429_with_retry_after(exams):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    started = time.perf_counter()
    statuses = [create(client).status_code for _ in range(LIMIT)]
    print(f"{LIMIT} sessions in {time.perf_counter() - started:.1f} s")
    assert statuses.count(201) == LIMIT

    response = create(client)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert response.json()["error"]["details"] == {"retry_after_s": int(response["Retry-After"])}
    assert ProctoringSession.objects.count() == LIMIT
    # A forged X-Forwarded-For buys no fresh allowance (the service is not configured behind a proxy) ...
    assert create(client, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # ... the start form shares the allowance ...
    form = Client(REMOTE_ADDR="203.0.113.7").post("/", BODY)
    assert form.status_code == 429
    assert int(form["Retry-After"]) > 0
    assert "Too many sessions" in form.content.decode()
    # ... and another client is not affected.
    assert create(APIClient(REMOTE_ADDR="203.0.113.8")).status_code == 201
    assert ProctoringSession.objects.count() == LIMIT + 1


def test_behind_a_proxy_the_proxys_address_for_the_client_counts(exams, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"session_create": "2/hour"}
    proxy = "10.0.0.2"

    def via_proxy(claimed: str, real: str):
        return create(APIClient(REMOTE_ADDR=proxy), HTTP_X_FORWARDED_FOR=f"{claimed}, {real}")

    assert [via_proxy("1.1.1.1", "203.0.113.7").status_code for _ in range(2)] == [201, 201]
    assert via_proxy("2.2.2.2", "203.0.113.7").status_code == 429  # what the client wrote is ignored
    assert via_proxy("3.3.3.3", "203.0.113.9").status_code == 201  # another real client


def test_a_refused_start_form_opens_nothing(exams, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"session_create": "1/hour"}}
    browser = Client(REMOTE_ADDR="203.0.113.7")
    assert browser.post("/", BODY).status_code == 303

    refused = browser.post("/", BODY)

    assert refused.status_code == 429
    assert ProctoringSession.objects.count() == 1


def wrong_password(browser: Client, username: str = "admin"):
    return browser.post(
        "/admin/login/?next=/admin/", {"username": username, "password": "wrong", "next": "/admin/"}
    )


def test_40_wrong_admin_passwords_lock_the_client_out():
    User.objects.create_superuser("admin", "admin@example.org", "the-right-password")
    browser = Client(REMOTE_ADDR="203.0.113.7")

    statuses = [wrong_password(browser).status_code for _ in range(40)]

    assert statuses[:9] == [200] * 9  # the login form again, with an error
    assert set(statuses[10:]) == {429}
    # Locked out: even the right password is refused now.
    right = browser.post("/admin/login/?next=/admin/", {"username": "admin", "password": "the-right-password"})
    assert right.status_code == 429
    assert "_auth_user_id" not in browser.session
    # Another address still signs in.
    other = Client(REMOTE_ADDR="203.0.113.8")
    signed_in = other.post("/admin/login/?next=/admin/", {"username": "admin", "password": "the-right-password"})
    assert signed_in.status_code == 302
    assert other.get("/admin/").status_code == 200


def test_a_success_resets_the_failure_count():
    User.objects.create_superuser("admin", "admin@example.org", "the-right-password")
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(9):
        wrong_password(browser)
    assert browser.post("/admin/login/", {"username": "admin", "password": "the-right-password"}).status_code == 302
    browser.logout()

    assert [wrong_password(browser).status_code for _ in range(9)] == [200] * 9


def test_programmatic_authentication_still_works():
    """authenticate() without a request (scripts, Client.login) is not a remote attempt: neither counted nor refused."""
    User.objects.create_superuser("admin", "admin@example.org", "the-right-password")

    assert Client().login(username="admin", password="the-right-password")
