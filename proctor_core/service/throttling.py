"""Limits on what an anonymous client may cost: sessions and LTI logins per client, admin login failures per client.

Opening a session is anonymous and unlocks CPU-heavy frame analysis, so each client (its IP address, as the
reverse proxy reports it when ``PROCTOR_BEHIND_PROXY`` is on, else the connection's) may open
``PROCTOR_SESSION_CREATE_RATE`` sessions (default 2000 an hour) through the API and the start form together; the
next answer is 429 with ``Retry-After``. Each LTI login initiation stores a pending login until it expires, so a
client may start ``PROCTOR_LTI_LOGIN_RATE`` of them (default 3000 an hour). Admin login failures are counted by
django-axes, per client address, with the same notion of a client.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or the one the configured number of proxies put in front of it.

    A client-supplied ``X-Forwarded-For`` is never trusted beyond that, so it cannot buy a fresh allowance.
    """
    return BaseThrottle().get_ident(request)


class ClientRateThrottle(SimpleRateThrottle):
    """Requests of one kind (``scope``) per client address and window, at the rate ``DEFAULT_THROTTLE_RATES`` sets."""

    def get_rate(self) -> str | None:
        # Read when used, not when the class was defined (DRF's default), so a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SessionCreationThrottle(ClientRateThrottle):
    """Sessions opened per client and window, shared by ``POST /api/v1/sessions`` and the start form."""

    scope = "session_create"


class LtiLoginThrottle(ClientRateThrottle):
    """LTI login initiations per client and window."""

    scope = "lti_login"


def allowed(throttle_class: type[ClientRateThrottle], request: HttpRequest) -> tuple[bool, float | None]:
    """For views outside DRF (the start form, the LTI login): may this client go on now, if not how long to wait."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return True, None
    return False, throttle.wait()


class LoginFailureBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come with a request (the admin's form).

    ``authenticate()`` without a request (a script, a management command, a test client) is not a remote attempt:
    it is neither counted nor refused, where axes would raise.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
