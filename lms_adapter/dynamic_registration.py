"""LTI Dynamic Registration (IMS LTI-DR 1.0): a platform administrator pastes the tool's registration URL.

The platform opens that URL with ``openid_configuration`` and ``registration_token``; the tool reads the platform's
OpenID configuration, posts its client registration (:func:`lms_adapter.tool_config.registration_request`), and
stores the registration (``LtiTool``) that the answer describes, signing with the current tool key.

The registration URL carries a signed expiry and a random id (``proctor lti_registration_url``): only this tool's
operator can hand one out, it lasts an hour unless asked otherwise, and it registers one platform once. An open or
reusable endpoint would let anyone who saw the link register a platform, and make the tool fetch URLs of their
choosing. What a platform answers goes to the log, not onto the page: the page names the step that failed.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core import signing
from django.db import IntegrityError, transaction
from pylti1p3.contrib.django.lti1p3_tool_config.models import LtiTool

from lms_adapter.keys import current_key
from lms_adapter.models import LaunchValue
from lms_adapter.tool import HttpSession
from lms_adapter.tool_config import TOOL_CONFIGURATION, ToolUrls, registration_request
from proctor_core.errors import ProctorError
from proctor_core.service.engines import now

SALT = "lms_adapter.dynamic_registration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
USED_LINK_KEY = "registration-link-used-{}"

logger = logging.getLogger(__name__)


class RegistrationError(ProctorError):
    """Registration cannot go on; ``status_code`` is the answer to the platform's page."""

    code = "registration_failed"
    status_code = 400


def new_link_token(valid_for_s: float) -> str:
    """The signed path segment of a registration URL, valid once for ``valid_for_s`` seconds."""
    return signing.Signer(salt=SALT).sign_object(
        {"until": int(now() + valid_for_s), "id": secrets.token_urlsafe(16)}
    )


def claim_link_token(token: str) -> str:
    """Take the registration link for one registration; return its claim, to release if the registration fails.

    :raises RegistrationError: the token is forged or expired, or another registration used (or is using) it.
    """
    try:
        signed = signing.Signer(salt=SALT).unsign_object(token)
        until, link_id = int(signed["until"]), str(signed["id"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise RegistrationError("this registration link is not valid", status_code=403) from exc
    if now() > until:
        message = "this registration link has expired; ask the tool's operator for a new one"
        raise RegistrationError(message, status_code=403)
    claim = USED_LINK_KEY.format(link_id)
    try:
        with transaction.atomic():
            LaunchValue.objects.create(key=claim, value="true", expires_at=datetime.fromtimestamp(until + 1, UTC))
    except IntegrityError as exc:
        message = "this registration link was already used; ask the tool's operator for a new one"
        raise RegistrationError(message, status_code=403) from exc
    return claim


def release_link_token(claim: str) -> None:
    """A registration that failed gives its link back, so the administrator can try again while it lasts."""
    LaunchValue.objects.filter(key=claim).delete()


def register(openid_configuration: str, registration_token: str, urls: ToolUrls) -> LtiTool:
    """Register the tool with the platform and store the registration; return it."""
    _check_url(openid_configuration)
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    session = HttpSession()
    config = _json(session, "GET", openid_configuration, headers=headers)
    if missing := [name for name in REQUIRED if not config.get(name)]:
        raise RegistrationError(f"the platform's OpenID configuration lacks {', '.join(missing)}")
    if urlsplit(str(config["issuer"])).hostname != urlsplit(openid_configuration).hostname:
        raise RegistrationError("the platform's issuer is not on the host that served its configuration")
    for name in REQUIRED:
        _check_url(str(config[name]))
    answer = _json(session, "POST", config["registration_endpoint"], headers=headers, json=registration_request(urls))
    if not answer.get("client_id"):
        raise RegistrationError("the platform's registration answer has no client_id", status_code=502)
    return _save(config, answer)


def _save(config: dict[str, Any], answer: dict[str, Any]) -> LtiTool:
    deployment_id = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    product = (config.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code", "LTI platform")
    tool = LtiTool.objects.filter(issuer=config["issuer"], client_id=str(answer["client_id"])).first()
    tool = tool or LtiTool(issuer=config["issuer"], client_id=str(answer["client_id"]), deployment_ids="[]")
    deployments = json.loads(tool.deployment_ids or "[]")
    if deployment_id and str(deployment_id) not in deployments:
        deployments.append(str(deployment_id))
    tool.title = f"{product} at {urlsplit(str(config['issuer'])).hostname}"[:255]
    tool.is_active = True
    tool.auth_login_url = config["authorization_endpoint"]
    tool.auth_token_url = config["token_endpoint"]
    tool.key_set_url = config["jwks_uri"]
    tool.deployment_ids = json.dumps(deployments)
    tool.tool_key = current_key()
    tool.save()
    return tool


def _check_url(url: str) -> None:
    """Platform URLs must be HTTPS (plain HTTP only on this machine's loopback, for development)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        raise RegistrationError(f"not an https URL: {url[:200]}")


def _json(session: requests.Session, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        logger.warning("registration: %s %s failed: %s", method, url, exc)
        message = f"the platform could not be reached at {urlsplit(url).hostname}"
        raise RegistrationError(message, status_code=502) from exc
    if not response.ok:
        logger.warning("registration: %s %s answered %s: %s", method, url, response.status_code, response.text[:2000])
        step = f"{method} {urlsplit(url).path}"
        raise RegistrationError(f"the platform answered HTTP {response.status_code} to {step}", status_code=502)
    try:
        data = response.json()
    except ValueError as exc:
        raise RegistrationError(f"the platform's answer from {url} is not JSON", status_code=502) from exc
    if not isinstance(data, dict):
        raise RegistrationError(f"the platform's answer from {url} is not a JSON object", status_code=502)
    return data
