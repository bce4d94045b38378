"""pylti1p3 wired for an LMS iframe: registrations from the database, launch state in a table, no cookies.

Inside Moodle's or Canvas's iframe the tool is a third-party site: its cookies are neither stored nor sent. pylti1p3
checks the OIDC ``state`` against a cookie; here the login stores ``state -> nonce`` server-side instead, and a
launch must present that state with an id_token carrying exactly that nonce. The state is used once: it is deleted
only after every other check passed, so a replayed launch, or a second token minted with an old nonce, is refused.

Before its signature is checked, an id_token is refused with a reason that says what is wrong when its algorithm is
not one LTI allows (``none``, HMAC), when it has several audiences without an ``azp`` naming this tool's client id
(OpenID Connect Core 3.1.3.7), when a text claim holds a NUL character, or when a time claim is not a finite
number before year 10000.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.db import transaction
from django.http import HttpRequest
from pylti1p3.contrib.django import DjangoDbToolConf, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.redirect import DjangoRedirect
from pylti1p3.exception import LtiException

from lms_adapter.conf import lti_setting
from lms_adapter.storage import DatabaseLaunchStorage, sweep
from proctor_core import __version__

logger = logging.getLogger(__name__)

STATE_KEY = "lti1p3-login-state-{}"
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")
"""LTI 1.3 (IMS Security Framework 5.1.3) signs with RSA; ``none`` and shared-secret algorithms are refused."""
TIME_CLAIMS = ("exp", "iat", "nbf")
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z


class HttpSession(requests.Session):
    """A requests session with the adapter's timeout on every call (pylti1p3 sets none)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["User-Agent"] = f"proctor-lti/{__version__}"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", lti_setting("HTTP_TIMEOUT_S"))
        return super().request(*args, **kwargs)


def tool_conf() -> DjangoDbToolConf:
    """Registrations and tool keys from the database (``LtiTool``, ``LtiToolKey``); one per request."""
    return DjangoDbToolConf()


def launch_storage() -> DatabaseLaunchStorage:
    return DatabaseLaunchStorage()


class ProctorOIDCLogin(DjangoOIDCLogin):
    """OIDC login initiation that remembers ``state -> nonce`` server-side."""

    def redirect(self, launch_url: str, js_redirect: bool = False) -> Any:
        with transaction.atomic():  # the login's few rows in one commit, not one each
            return super().redirect(launch_url, js_redirect)

    def get_redirect(self, url: str) -> DjangoRedirect:
        query = parse_qs(urlsplit(url).query)
        state, nonce = query["state"][0], query["nonce"][0]
        sweep()
        launch_storage().set_value(STATE_KEY.format(state), nonce, lti_setting("LOGIN_STATE_LIFETIME_S"))
        return super().get_redirect(url)


class ProctorMessageLaunch(DjangoMessageLaunch):
    """A launch verified without cookies; see the module docstring."""

    _expected_nonce: str | None = None

    def validate_state(self) -> ProctorMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LtiException("the launch carries no state")
        self._expected_nonce = launch_storage().get_value(STATE_KEY.format(state))
        if self._expected_nonce is None:
            raise LtiException("unknown, expired or already used login state")
        return self

    def validate_jwt_format(self) -> ProctorMessageLaunch:
        super().validate_jwt_format()
        alg = self._jwt["header"].get("alg") if isinstance(self._jwt["header"], dict) else None
        if alg not in ALLOWED_ALGORITHMS:
            shown = repr(alg)[:40]
            allowed = ", ".join(ALLOWED_ALGORITHMS)
            raise LtiException(f"the id_token's algorithm {shown} is not allowed (only {allowed})")
        body = self._jwt["body"]
        if not isinstance(body, dict):
            raise LtiException("the id_token's body is not a JSON object")
        _check_claims(body)
        return self

    def get_client_id(self) -> str:
        """The authorized party (``azp``) when the token names one, else its audience (checked by the format)."""
        azp = self._get_jwt_body().get("azp")
        return str(azp) if azp else super().get_client_id()

    def fetch_public_key(self, key_set_url: str) -> Any:
        """The platform's key set; what the platform answered goes to the log, never onto the refusal page."""
        try:
            return super().fetch_public_key(key_set_url)
        except LtiException as exc:
            logger.warning("key set of %s: %s", key_set_url, str(exc)[:500])
            raise LtiException("the platform's key set could not be fetched or is not JSON") from exc

    def validate_nonce(self) -> ProctorMessageLaunch:
        if self._get_jwt_body().get("nonce") != self._expected_nonce:
            raise LtiException("the id_token's nonce was not issued for this login")
        return self

    def save_launch_data(self) -> ProctorMessageLaunch:
        if not launch_storage().remove_value(STATE_KEY.format(self._get_request_param("state"))):
            raise LtiException("this launch was already used")
        super().save_launch_data()
        return self


def _check_claims(body: Mapping[str, Any]) -> None:
    """:raises LtiException: audience, NUL characters or times that no valid launch has (see the module docstring)."""
    aud = body.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if not audiences or not all(isinstance(item, str) and item for item in audiences):
        raise LtiException("the id_token's aud is not a client id or a list of them")
    azp = body.get("azp")
    if len(audiences) > 1 and not azp:
        raise LtiException("the id_token has several audiences and no azp (authorized party) naming this tool")
    if azp is not None and azp not in audiences:
        raise LtiException("the id_token's azp (authorized party) is not one of its audiences")
    for name in TIME_CLAIMS:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise LtiException(f"the id_token's {name} is not a finite number")
        if not 0 <= value <= MAX_TIMESTAMP:
            raise LtiException(f"the id_token's {name} is not a time before year 10000")
    pending: list[Any] = [body]  # a loop, not recursion: the body may nest as deep as the JSON decoder allowed
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise LtiException("the id_token contains a NUL character")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _refuse_nul(request: HttpRequest) -> None:
    """:raises LtiException: a parameter holds a NUL character (PostgreSQL cannot even look it up)."""
    for params in (request.GET, request.POST):
        for key, values in params.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise LtiException("the request contains a NUL character")


def oidc_login(request: HttpRequest) -> ProctorOIDCLogin:
    _refuse_nul(request)
    storage = launch_storage()
    login = ProctorOIDCLogin(request, tool_conf(), launch_data_storage=storage)
    login.set_launch_data_storage(storage).set_launch_data_lifetime(lti_setting("LOGIN_STATE_LIFETIME_S"))
    return login


def message_launch(request: HttpRequest) -> ProctorMessageLaunch:
    """A launch to validate from the platform's form post (``id_token`` and ``state``)."""
    _refuse_nul(request)
    storage = launch_storage()
    launch = ProctorMessageLaunch(request, tool_conf(), launch_data_storage=storage, requests_session=HttpSession())
    launch.set_public_key_caching(storage, cache_lifetime=lti_setting("KEY_SET_CACHE_S"))
    launch.set_launch_data_lifetime(lti_setting("LAUNCH_DATA_LIFETIME_S"))
    # The audience is checked by the registration lookup: the token's aud must be a registered client id.
    # pylti1p3 types the options as bool-valued; PyJWT's "require" takes the claim names.
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat", "sub"]})  # type: ignore[dict-item]
    return launch


def restored_launch(request: HttpRequest, launch_id: str) -> ProctorMessageLaunch:
    """A launch validated earlier, by its id (raises ``LtiException`` when unknown or expired)."""
    _refuse_nul(request)
    return ProctorMessageLaunch.from_cache(  # type: ignore[return-value]
        launch_id, request, tool_conf(), launch_data_storage=launch_storage(), requests_session=HttpSession()
    )
