"""Platform setup: the Canvas configuration URL and LTI Dynamic Registration."""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.management import call_command
from lti_test_platform import AGS_SCOPES, LEARNER

from lms_adapter import keys
from lms_adapter.models import LtiTool

pytestmark = pytest.mark.django_db


def test_canvas_configuration(client):
    config = client.get("/lti/canvas.json").json()

    assert config["oidc_initiation_url"] == "http://testserver/lti/login/"
    assert config["target_link_uri"] == "http://testserver/lti/launch/"
    assert config["public_jwk_url"] == "http://testserver/lti/jwks/"
    assert sorted(config["scopes"]) == sorted(AGS_SCOPES)
    [extension] = config["extensions"]
    assert (extension["platform"], extension["domain"], extension["privacy_level"]) == (
        "canvas.instructure.com",
        "testserver",
        "public",
    )
    placements = extension["settings"]["placements"]
    assert {p["placement"] for p in placements} == {"assignment_selection", "link_selection"}
    assert all(p["message_type"] == "LtiDeepLinkingRequest" for p in placements)


def registration_url(hours: float = 1) -> str:
    out = io.StringIO()
    call_command("lti_registration_url", "--base-url", "http://testserver/", "--hours", str(hours), stdout=out)
    return urlsplit(out.getvalue().strip()).path


def test_dynamic_registration(platform, client):
    """The platform opens the registration URL; the tool registers itself and stores the registration."""
    response = client.get(
        registration_url(),
        {
            "openid_configuration": platform.openid_configuration_url,
            "registration_token": "registration-token",
        },
    )

    assert response.status_code == 200, response.content
    tool = LtiTool.objects.get()
    assert (tool.issuer, tool.client_id, tool.is_active) == (platform.issuer, "dynamic-client", True)
    assert (tool.auth_login_url, tool.auth_token_url, tool.key_set_url) == (
        platform.auth_url,
        platform.token_url,
        platform.jwks_url,
    )
    assert json.loads(tool.deployment_ids) == ["5"]
    assert tool.tool_key == keys.current_key()
    assert response.context["platform_origin"] == platform.base
    [request] = platform.registrations
    assert request["initiate_login_uri"] == "http://testserver/lti/login/"
    assert request["redirect_uris"] == ["http://testserver/lti/launch/"]
    assert request["jwks_uri"] == "http://testserver/lti/jwks/"
    assert request["token_endpoint_auth_method"] == "private_key_jwt"
    configuration = request["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert configuration["domain"] == "testserver"  # Moodle: the domain must be the target_link_uri's host
    assert configuration["target_link_uri"] == "http://testserver/lti/launch/"
    assert [message["type"] for message in configuration["messages"]] == ["LtiDeepLinkingRequest"]


def test_dynamically_registered_tool_launches(platform, client):
    client.get(
        registration_url(),
        {
            "openid_configuration": platform.openid_configuration_url,
            "registration_token": "registration-token",
        },
    )
    platform.client_id, platform.deployment_id = "dynamic-client", "5"

    assert platform.launch(client, roles=LEARNER).status_code == 200


def test_expired_registration_link_is_refused(platform, client, clock):
    path = registration_url(hours=1)
    clock.now += 3600 + 1

    response = client.get(path, {"openid_configuration": platform.openid_configuration_url})

    assert response.status_code == 403
    assert "expired" in response.context["reason"]
    assert not LtiTool.objects.exists()


def test_forged_registration_link_is_refused(platform, client):
    forged = signing.Signer(salt="another").sign_object({"until": 10**11})

    response = client.get(f"/lti/register/{forged}/", {"openid_configuration": platform.openid_configuration_url})

    assert response.status_code == 403
    assert platform.registrations == []


def test_issuer_must_be_the_configuration_host(platform, client, monkeypatch):
    monkeypatch.setattr(type(platform), "issuer", property(lambda self: "http://localhost:1"))

    response = client.get(
        registration_url(),
        {
            "openid_configuration": platform.openid_configuration_url,
            "registration_token": "registration-token",
        },
    )

    assert response.status_code == 400
    assert "issuer" in response.context["reason"]
    assert platform.registrations == []


def test_platform_urls_must_be_https(client):
    response = client.get(registration_url(), {"openid_configuration": "http://moodle.example.org/openid"})

    assert response.status_code == 400
    assert "https" in response.context["reason"]


def test_registration_token_is_passed_to_the_platform(platform, client):
    response = client.get(registration_url(), {"openid_configuration": platform.openid_configuration_url})

    assert response.status_code == 502
    assert "401" in response.context["reason"]
