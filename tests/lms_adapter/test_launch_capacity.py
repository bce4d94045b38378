"""A class that starts together: every pending login is kept until its launch (no cache cap), expired ones swept."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from lms_adapter.models import LaunchValue
from lms_adapter.storage import DatabaseLaunchStorage, sweep
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db

CLASS_SIZE = 1000


def test_1000_logins_then_every_launch_succeeds(platform, registration, client, clock):
    """The database cache kept 300 entries: the 301st login pushed earlier ones out and their launches got 403."""
    started = time.perf_counter()
    logins = [platform.login(client, login_hint=str(learner)) for learner in range(CLASS_SIZE)]
    login_s = time.perf_counter() - started

    statuses = []
    for learner, auth in enumerate(logins):
        token = platform.sign(platform.claims(nonce=auth.nonce, sub=str(learner)))
        statuses.append(platform.post_launch(client, auth, token).status_code)

    print(f"{CLASS_SIZE} logins in {login_s:.1f} s, launches in {time.perf_counter() - started - login_s:.1f} s")
    assert statuses.count(200) == CLASS_SIZE, {status: statuses.count(status) for status in set(statuses)}
    assert ProctoringSession.objects.count() == CLASS_SIZE


def test_an_expired_login_is_refused_and_swept(platform, registration, client, settings):
    settings.PROCTOR_LTI = {"LOGIN_STATE_LIFETIME_S": 60}
    old = platform.login(client)
    LaunchValue.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = platform.post_launch(client, old, platform.sign(platform.claims(nonce=old.nonce)))

    assert response.status_code == 403
    assert "unknown, expired or already used login state" in response.context["reason"]
    assert LaunchValue.objects.count() > 0
    platform.login(client)  # the next login sweeps what has expired
    assert not LaunchValue.objects.filter(expires_at__lte=timezone.now()).exists()
    assert LaunchValue.objects.count() > 0


def test_a_login_is_used_once(platform, registration, client, clock):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce))
    assert platform.post_launch(client, auth, token).status_code == 200

    replay = platform.post_launch(client, auth, token)

    assert replay.status_code == 403
    assert "unknown, expired or already used login state" in replay.context["reason"]


def test_storage_keeps_json_and_removes_once():
    storage = DatabaseLaunchStorage()
    storage.set_value("lti1p3-launch-x", {"sub": "7", "nested": [1, {"a": None}]}, exp=60)
    long_key = "k" * 400
    storage.set_value(long_key, True, exp=60)

    assert storage.get_value("lti1p3-launch-x") == {"sub": "7", "nested": [1, {"a": None}]}
    assert storage.check_value(long_key)
    assert storage.remove_value(long_key) is True
    assert storage.remove_value(long_key) is False
    assert storage.get_value("never-set") is None


def test_sweep_deletes_only_expired_values():
    storage = DatabaseLaunchStorage()
    storage.set_value("live", 1, exp=60)
    storage.set_value("dead", 2, exp=60)
    LaunchValue.objects.filter(key__endswith="dead").update(expires_at=timezone.now() - timedelta(seconds=1))

    assert storage.get_value("dead") is None
    assert sweep() == 1
    assert [row.key for row in LaunchValue.objects.all()] == ["lti1p3-live"]


def test_one_client_cannot_fill_the_table_with_logins(platform, registration, client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"lti_login": "3/hour"}}
    for _ in range(3):
        platform.login(client)
    stored = LaunchValue.objects.count()

    response = client.post("/lti/login/", {"iss": platform.issuer, "login_hint": "7", "client_id": platform.client_id})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert LaunchValue.objects.count() == stored
    other = client.post(
        "/lti/login/",
        {"iss": platform.issuer, "login_hint": "7", "client_id": platform.client_id, "target_link_uri": "x"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302
