"""id_tokens built to break the tool: each is refused with a 4xx page that names the real reason, opening nothing."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from proctor_core.service.models import Candidate, ProctoringSession

pytestmark = pytest.mark.django_db


def refused(response, reason: str) -> None:
    assert response.status_code == 403, response.content
    assert "lms_adapter/refused.html" in [template.name for template in response.templates]
    assert reason in response.context["reason"], response.context["reason"]
    assert ProctoringSession.objects.count() == 0
    assert Candidate.objects.count() == 0


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict, body: str | bytes, signature: str = "c2ln") -> str:
    body = body.encode() if isinstance(body, str) else body
    return f"{b64(json.dumps(header).encode())}.{b64(body)}.{signature}"


def test_alg_none_is_refused_as_a_disallowed_algorithm(platform, registration, client):
    auth = platform.login(client)
    token = jwt.encode(platform.claims(nonce=auth.nonce), None, algorithm="none", headers={"kid": platform.kid})

    refused(platform.post_launch(client, auth, token), "algorithm 'none' is not allowed")


def test_hmac_signed_with_the_public_key_is_refused(platform, registration, client):
    """The classic confusion attack: HS256 keyed with the platform's public key."""
    auth = platform.login(client)
    token = jwt.encode(
        platform.claims(nonce=auth.nonce), "public-key-bytes-of-32-characters", algorithm="HS256",
        headers={"kid": platform.kid},
    )

    refused(platform.post_launch(client, auth, token), "algorithm 'HS256' is not allowed")


def test_several_audiences_without_azp_are_refused(platform, registration, client):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce, aud=[platform.client_id, "another-tool"]))

    refused(platform.post_launch(client, auth, token), "several audiences and no azp")


def test_azp_of_another_client_is_refused(platform, registration, client):
    auth = platform.login(client)
    claims = platform.claims(nonce=auth.nonce, aud=["another-tool", platform.client_id], azp="another-tool")

    response = platform.post_launch(client, auth, platform.sign(claims))

    assert response.status_code == 403
    assert ProctoringSession.objects.count() == 0


def test_azp_outside_the_audiences_is_refused(platform, registration, client):
    auth = platform.login(client)
    claims = platform.claims(nonce=auth.nonce, aud=["another-tool", "third-tool"], azp=platform.client_id)

    refused(platform.post_launch(client, auth, platform.sign(claims)), "azp (authorized party) is not one of")


def test_several_audiences_with_our_azp_launch(platform, registration, client, clock):
    auth = platform.login(client)
    claims = platform.claims(nonce=auth.nonce, aud=["another-tool", platform.client_id], azp=platform.client_id)

    response = platform.post_launch(client, auth, platform.sign(claims))

    assert response.status_code == 200, response.content
    assert ProctoringSession.objects.count() == 1


@pytest.mark.parametrize(
    "claims",
    [{"name": "Ada\x00Lovelace"}, {"email": "ada\x00@example.org"}, {"given_name": "\x00", "name": ""}],
    ids=["name", "email", "given_name"],
)
def test_nul_in_a_claim_is_refused(platform, registration, client, claims):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce, **claims))

    refused(platform.post_launch(client, auth, token), "NUL character")


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("exp", float("inf"), "exp is not a finite number"),
        ("iat", float("nan"), "iat is not a finite number"),
        ("exp", 1e300, "exp is not a time before year 10000"),
        ("exp", 253_402_300_800, "exp is not a time before year 10000"),
        ("iat", "yesterday", "iat is not a finite number"),
    ],
)
def test_out_of_range_times_are_refused(platform, registration, client, claim, value, reason):
    auth = platform.login(client)
    token = platform.sign(platform.claims(nonce=auth.nonce, **{claim: value}))

    refused(platform.post_launch(client, auth, token), reason)


def test_absurdly_nested_body_is_refused_quickly(platform, registration, client):
    auth = platform.login(client)
    depth = 100_000
    body = '{"nest": ' + "[" * depth + "]" * depth + "}"
    started = time.perf_counter()

    response = platform.post_launch(client, auth, raw_token({"alg": "RS256", "kid": platform.kid}, body))

    assert time.perf_counter() - started < 2
    refused(response, "can't be decoded")


def test_the_login_state_survives_a_refused_token(platform, registration, client, clock):
    """A refused forgery does not burn the real login: the platform's genuine token still launches."""
    auth = platform.login(client)
    forged = jwt.encode(platform.claims(nonce=auth.nonce), None, algorithm="none", headers={"kid": platform.kid})
    assert platform.post_launch(client, auth, forged).status_code == 403

    response = platform.post_launch(client, auth, platform.sign(platform.claims(nonce=auth.nonce)))

    assert response.status_code == 200, response.content


def test_nul_in_the_login_initiation_is_refused(platform, registration, client):
    response = client.post(
        "/lti/login/", {"iss": platform.issuer + "\x00", "login_hint": "7", "client_id": platform.client_id}
    )

    refused(response, "NUL character")


def test_nul_in_the_launch_state_is_refused(platform, registration, client):
    auth = platform.login(client)

    token = platform.sign(platform.claims(nonce=auth.nonce))

    response = client.post("/lti/launch/", {"id_token": token, "state": auth.state + "\x00"})

    refused(response, "NUL character")


def test_nul_in_a_deep_linking_answer_is_refused(platform, registration, client):
    refused(client.post("/lti/deep-link/", {"launch_id": "lti1p3-launch-\x00"}), "NUL character")
