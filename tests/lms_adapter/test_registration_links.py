"""Dynamic Registration links: one hour by default, one registration each, the platform's words kept off the page."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.management import CommandError, call_command

from lms_adapter import dynamic_registration
from lms_adapter.models import LtiTool

pytestmark = pytest.mark.django_db


def registration_url(*args: str) -> str:
    out = io.StringIO()
    call_command("lti_registration_url", "--base-url", "http://testserver/", *args, stdout=out)
    return urlsplit(out.getvalue().strip()).path


def register(client, platform, path: str, token: str = "registration-token"):
    return client.get(
        path, {"openid_configuration": platform.openid_configuration_url, "registration_token": token}
    )


def test_a_link_registers_once(platform, client):
    path = registration_url()
    assert register(client, platform, path).status_code == 200

    again = register(client, platform, path)

    assert again.status_code == 403
    assert "already used" in again.context["reason"]
    assert len(platform.registrations) == 1
    assert LtiTool.objects.count() == 1


def test_a_link_expires_after_one_hour_by_default(platform, client, clock):
    path = registration_url()
    clock.now += 3600 + 1

    response = register(client, platform, path)

    assert response.status_code == 403
    assert "expired" in response.context["reason"]
    assert platform.registrations == []


def test_a_link_still_works_to_the_end_of_its_hour(platform, client, clock):
    path = registration_url()
    clock.now += 3600

    assert register(client, platform, path).status_code == 200


def test_a_failed_registration_gives_the_link_back(platform, client):
    """The platform refused (bad registration token): the administrator may try again with the same link."""
    path = registration_url()
    assert register(client, platform, path, token="wrong").status_code == 502

    assert register(client, platform, path).status_code == 200
    assert register(client, platform, path).status_code == 403


def test_the_platforms_error_text_is_not_shown(platform, client, caplog):
    path = registration_url()

    response = register(client, platform, path, token="wrong")

    assert response.status_code == 502
    assert "invalid registration token" not in response.content.decode()  # the platform's own words
    assert "HTTP 401" in response.context["reason"]
    assert "invalid registration token" in caplog.text  # kept for the operator


def test_an_unreachable_platform_is_not_described(client):
    path = registration_url()

    response = client.get(path, {"openid_configuration": "http://127.0.0.1:9/openid"})

    assert response.status_code == 502
    assert response.context["reason"] == "the platform could not be reached at 127.0.0.1"


def test_a_link_without_an_id_is_not_valid(platform, client, clock):
    """Links signed before links were single-use carry no id: refused, never reusable."""
    old = signing.Signer(salt=dynamic_registration.SALT).sign_object({"until": int(clock.now) + 3600})

    response = register(client, platform, f"/lti/register/{old}/")

    assert response.status_code == 403
    assert "not valid" in response.context["reason"]


def test_hours_must_be_positive():
    with pytest.raises(CommandError):
        registration_url("--hours", "0")
