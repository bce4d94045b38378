"""Fixtures of the LTI tests: Django configured, a test platform on loopback, a registration of the tool with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proctor_core.service.settings")

import django  # noqa: E402
import pytest  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from lti_test_platform import FakePlatform  # noqa: E402

from lms_adapter import keys  # noqa: E402
from lms_adapter.models import LtiTool  # noqa: E402
from proctor_core.service import engines  # noqa: E402
from proctor_core.testing import FakeClock  # noqa: E402

FACE_JPEG = Path(__file__).resolve().parents[1] / "data" / "grace_hopper.jpg"
START = 1_700_000_000.0


@pytest.fixture
def platform():
    """A fresh test platform, serving on 127.0.0.1 for the duration of one test."""
    fake = FakePlatform()
    yield fake
    fake.stop()


class IframeClient(Client):
    """A browser showing the tool inside the platform's iframe: the tool's cookies are never stored or sent back,
    and Django's CSRF check is enforced as in production."""

    def __init__(self) -> None:
        super().__init__(enforce_csrf_checks=True)

    def request(self, **request):
        response = super().request(**request)
        self.cookies.clear()
        return response


@pytest.fixture
def client() -> IframeClient:
    return IframeClient()


@pytest.fixture
def registration(db, platform, client) -> LtiTool:
    """The tool registered with the platform (as an administrator would in the admin); the platform knows its JWKS."""
    tool = LtiTool.objects.create(
        title="Moodle test",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.auth_url,
        auth_token_url=platform.token_url,
        key_set_url=platform.jwks_url,
        deployment_ids=json.dumps([platform.deployment_id]),
        tool_key=keys.current_key(),
    )
    platform.tool_jwks = client.get("/lti/jwks/").json()
    return tool


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """The service's clock, moved by hand."""
    fake = FakeClock(START)
    monkeypatch.setattr(engines, "clock", fake)
    return fake


@pytest.fixture(scope="session")
def face_jpeg() -> bytes:
    return FACE_JPEG.read_bytes()
