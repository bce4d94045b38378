"""pylti1p3 wired for an LMS iframe: registrations from the database, launch state in the cache, no cookies.

Inside Moodle's or Canvas's iframe the tool is a third-party site: its cookies are neither stored nor sent. pylti1p3
checks the OIDC ``state`` against a cookie; here the login stores ``state -> nonce`` server-side instead, and a
launch must present that state with an id_token carrying exactly that nonce. The state is used once: it is deleted
only after every other check passed, so a replayed launch, or a second token minted with an old nonce, is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.core.cache import BaseCache, caches
from django.http import HttpRequest
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoDbToolConf, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.redirect import DjangoRedirect
from pylti1p3.exception import LtiException

from lms_adapter.conf import lti_setting
from proctor_core import __version__

STATE_KEY = "lti1p3-login-state-{}"


class HttpSession(requests.Session):
    """A requests session with the adapter's timeout on every call (pylti1p3 sets none)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["User-Agent"] = f"proctor-lti/{__version__}"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", lti_setting("HTTP_TIMEOUT_S"))
        return super().request(*args, **kwargs)


class CookielessCacheStorage(DjangoCacheDataStorage):
    """pylti1p3's cache-backed launch data, keyed without a browser session cookie."""

    def get_session_cookie_name(self) -> None:
        return None


def tool_conf() -> DjangoDbToolConf:
    """Registrations and tool keys from the database (``LtiTool``, ``LtiToolKey``); one per request."""
    return DjangoDbToolConf()


def launch_storage() -> CookielessCacheStorage:
    return CookielessCacheStorage(cache_name=lti_setting("CACHE"))


def _state_cache() -> BaseCache:
    return caches[lti_setting("CACHE")]


class ProctorOIDCLogin(DjangoOIDCLogin):
    """OIDC login initiation that remembers ``state -> nonce`` server-side."""

    def get_redirect(self, url: str) -> DjangoRedirect:
        query = parse_qs(urlsplit(url).query)
        state, nonce = query["state"][0], query["nonce"][0]
        _state_cache().set(STATE_KEY.format(state), nonce, lti_setting("LOGIN_STATE_LIFETIME_S"))
        return super().get_redirect(url)


class ProctorMessageLaunch(DjangoMessageLaunch):
    """A launch verified without cookies; see the module docstring."""

    _expected_nonce: str | None = None

    def validate_state(self) -> ProctorMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LtiException("the launch carries no state")
        self._expected_nonce = _state_cache().get(STATE_KEY.format(state))
        if self._expected_nonce is None:
            raise LtiException("unknown, expired or already used login state")
        return self

    def validate_nonce(self) -> ProctorMessageLaunch:
        if self._get_jwt_body().get("nonce") != self._expected_nonce:
            raise LtiException("the id_token's nonce was not issued for this login")
        return self

    def save_launch_data(self) -> ProctorMessageLaunch:
        if not _state_cache().delete(STATE_KEY.format(self._get_request_param("state"))):
            raise LtiException("this launch was already used")
        return super().save_launch_data()


def oidc_login(request: HttpRequest) -> ProctorOIDCLogin:
    storage = launch_storage()
    login = ProctorOIDCLogin(request, tool_conf(), launch_data_storage=storage)
    login.set_launch_data_storage(storage).set_launch_data_lifetime(lti_setting("LOGIN_STATE_LIFETIME_S"))
    return login


def message_launch(request: HttpRequest) -> ProctorMessageLaunch:
    """A launch to validate from the platform's form post (``id_token`` and ``state``)."""
    storage = launch_storage()
    launch = ProctorMessageLaunch(request, tool_conf(), launch_data_storage=storage, requests_session=HttpSession())
    launch.set_public_key_caching(storage, cache_lifetime=lti_setting("KEY_SET_CACHE_S"))
    launch.set_launch_data_lifetime(lti_setting("LAUNCH_DATA_LIFETIME_S"))
    # The audience is checked by the registration lookup: the token's aud must be a registered client id.
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat", "sub"]})
    return launch


def restored_launch(request: HttpRequest, launch_id: str) -> ProctorMessageLaunch:
    """A launch validated earlier, by its id (raises ``LtiException`` when unknown or expired)."""
    return ProctorMessageLaunch.from_cache(  # type: ignore[return-value]
        launch_id, request, tool_conf(), launch_data_storage=launch_storage(), requests_session=HttpSession()
    )
