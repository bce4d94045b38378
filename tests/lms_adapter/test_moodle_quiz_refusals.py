"""Refused quiz calls: every check of the signed call fails closed, with a clear JSON error, and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from quiz_learner import Learner, assert_error, call

from lms_adapter.models import LearnerAttempt, UsedCallId

pytestmark = pytest.mark.django_db


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
