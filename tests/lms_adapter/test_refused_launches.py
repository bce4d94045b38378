"""Launches the tool must refuse, each with a clear 4xx page and nothing opened."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lti_test_platform import LEARNER

from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db


def refused(response, reason: str, sessions: int = 0) -> None:
    """A 403 page that names the reason; no session beyond the ``sessions`` opened before."""
    assert response.status_code == 403, response.content
    assert "lms_adapter/refused.html" in [template.name for template in response.templates]
    assert reason in response.context["reason"]
    assert ProctoringSession.objects.count() == sessions


def test_bad_signature(platform, registration, client):
    """Signed by another key that claims the platform's kid."""
    auth = platform.login(client)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = platform.sign(platform.claims(nonce=auth.nonce, roles=LEARNER), key=forger)

    refused(platform.post_launch(client, auth, token), "Signature verification failed")


def test_tampered_claims(platform, registration, client):
    """A genuine token whose body was changed after signing (learner made instructor)."""
    auth = platform.login(client)
    header, _, signature = platform.sign(platform.claims(nonce=auth.nonce, roles=LEARNER)).split(".")
    body = platform.sign(platform.claims(nonce=auth.nonce, sub="1")).split(".")[1]

    refused(platform.post_launch(client, auth, f"{header}.{body}.{signature}"), "Signature verification failed")


def test_unknown_kid(platform, registration, client):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce, roles=LEARNER), kid="someone-else")

    refused(platform.post_launch(client, auth, token), "Unable to find public key")


def test_wrong_audience(platform, registration, client):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce, roles=LEARNER, aud="another-tool"))

    refused(platform.post_launch(client, auth, token), "not found in settings")


def test_unknown_deployment(platform, registration, client):
    auth = platform.login(client)
    token = platform.sign(
        platform.claims(
            nonce=auth.nonce, roles=LEARNER, **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "999"}
        )
    )

    refused(platform.post_launch(client, auth, token), "Unable to find deployment")


def test_expired_token(platform, registration, client):
    """Moodle's id_token lives 60 s; this one was issued 2 minutes ago."""
    auth = platform.login(client)
    issued = int(time.time()) - 120
    token = platform.sign(platform.claims(nonce=auth.nonce, roles=LEARNER, iat=issued, exp=issued + 60))

    refused(platform.post_launch(client, auth, token), "Signature has expired")


def test_token_without_expiry(platform, registration, client):
    auth = platform.login(client)
    claims = platform.claims(nonce=auth.nonce, roles=LEARNER)
    del claims["exp"]

    refused(platform.post_launch(client, auth, platform.sign(claims)), "exp")


def test_replayed_launch(platform, registration, client):
    """The same form post twice: the login's state is used once."""
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce, roles=LEARNER))
    assert platform.post_launch(client, auth, token).status_code == 200

    refused(platform.post_launch(client, auth, token), "already used login state", sessions=1)


def test_reused_nonce_with_a_fresh_login(platform, registration, client):
    """A new login's state, with a token minted for an earlier login's nonce."""
    first = platform.login(client)
    assert platform.post_launch(client, first, platform.sign(platform.claims(nonce=first.nonce))).status_code == 200

    second = platform.login(client)
    token = platform.sign(platform.claims(nonce=first.nonce, sub="8", roles=LEARNER))
    refused(platform.post_launch(client, second, token), "nonce was not issued for this login", sessions=1)


def test_nonce_never_issued(platform, registration, client):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce="made-up", roles=LEARNER))

    refused(platform.post_launch(client, auth, token), "nonce was not issued for this login")


def test_launch_without_login(platform, registration, client):
    token = platform.sign(platform.claims(nonce="n", roles=LEARNER))

    refused(client.post("/lti/launch/", {"id_token": token, "state": "state-guessed"}), "unknown, expired")


def test_login_from_unknown_platform(platform, registration, client):
    response = client.post("/lti/login/", {"iss": "https://evil.example", "login_hint": "1", "client_id": "x"})

    refused(response, "not found in settings")


def test_inactive_registration(platform, registration, client):
    registration.is_active = False
    registration.save()

    response = client.post("/lti/login/", {"iss": platform.issuer, "login_hint": "1", "client_id": platform.client_id})

    refused(response, "not found in settings")


def test_launch_is_post_only(client, db):
    assert client.get("/lti/launch/").status_code == 405
