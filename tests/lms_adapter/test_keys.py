"""The tool's keys: published with their kid, rotated without breaking tokens already signed, pruned later."""

from __future__ import annotations

import io
from datetime import timedelta

import jwt
import pytest
from django.core.management import call_command
from django.utils import timezone
from lti_test_platform import LEARNER

from lms_adapter import grades, keys
from lms_adapter.models import GradeOutbox, LtiToolKey, RetiredToolKey
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db


def published_kids(client) -> list[str]:
    response = client.get("/lti/jwks/")
    assert response.status_code == 200
    jwks = response.json()
    assert all(key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" for key in jwks["keys"])
    assert all("d" not in key for key in jwks["keys"]), "no private part is ever published"
    return [key["kid"] for key in jwks["keys"]]


def test_jwks_publishes_the_current_key_with_its_kid(registration, client):
    assert published_kids(client) == [keys.kid(registration.tool_key)]


def test_rotation_switches_every_registration_and_keeps_the_old_key_published(registration, client):
    old = registration.tool_key
    out = io.StringIO()

    call_command("rotate_lti_key", stdout=out)

    registration.refresh_from_db()
    new = registration.tool_key
    assert new != old and keys.current_key() == new
    assert sorted(published_kids(client)) == sorted([keys.kid(old), keys.kid(new)])
    assert RetiredToolKey.objects.get().key == old
    assert f"kid {keys.kid(new)}" in out.getvalue() and old.name in out.getvalue()


def test_retired_keys_are_pruned_after_the_grace_period(registration, client):
    old = registration.tool_key
    keys.rotate(keep_for=timedelta(days=7))

    assert keys.prune(keep_for=timedelta(days=7)) == ()
    assert keys.prune(keep_for=timedelta(days=7), at=timezone.now() + timedelta(days=8)) == (old.name,)
    assert published_kids(client) == [keys.kid(keys.current_key())]
    assert not LtiToolKey.objects.filter(pk=old.pk).exists()


def test_prune_only(registration):
    keys.rotate(keep_for=timedelta(days=7))
    RetiredToolKey.objects.update(retired_at=timezone.now() - timedelta(days=30))
    out = io.StringIO()

    call_command("rotate_lti_key", "--prune-only", stdout=out)

    assert LtiToolKey.objects.count() == 1
    assert "deleted:" in out.getvalue()


def test_grades_are_signed_with_the_new_key_after_rotation(platform, registration, client):
    """The platform fetches the tool's JWKS again and verifies the client assertion under the new kid."""
    response = platform.launch(client, sub="7", roles=LEARNER, lineitem=platform.add_line_item())
    keys.rotate(keep_for=timedelta(days=7))
    platform.tool_jwks = client.get("/lti/jwks/").json()
    api.end_session(ProctoringSession.objects.get(pk=response.context["session_id"]))

    grades.deliver(GradeOutbox.objects.get().pk)

    assert platform.assertions[-1]["kid"] == keys.kid(keys.current_key())
    assert len(platform.accepted_scores) == 1


def test_deep_linking_answer_signed_before_rotation_still_verifies(registration, client):
    old = registration.tool_key
    token = jwt.encode({"iss": "x"}, old.private_key, algorithm="RS256", headers={"kid": keys.kid(old)})
    keys.rotate(keep_for=timedelta(days=7))

    jwks = client.get("/lti/jwks/").json()
    key = next(jwt.PyJWK(k).key for k in jwks["keys"] if k["kid"] == keys.kid(old))
    assert jwt.decode(token, key, algorithms=["RS256"]) == {"iss": "x"}
