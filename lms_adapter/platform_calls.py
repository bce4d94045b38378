"""Server-to-server calls a platform signs with its LTI key, verified as strictly as its launches.

Moodle's quiz access rule calls the tool with a JWT signed by the key it signs id_tokens with; the tool checks it
with the platform keyset of the registration it already has, so no second credential exists. A call is accepted
only if: the header names ``RS256`` and a ``kid``; ``iss`` and ``aud`` (a string) are a registered, active
platform and its client id; the signature verifies with that platform's key of that ``kid``; the deployment is
one of the registration's; ``iat`` is not in the future and ``exp`` is after now and at most
:data:`MAX_LIFETIME_S` after ``iat``; and its ``jti`` was never used (remembered in the database until ``exp``).
Every refusal is a :class:`PlatformCallRefused` whose message names what failed and echoes nothing secret.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import requests
from django.core.cache import caches
from django.db import IntegrityError, transaction

from lms_adapter.conf import lti_setting
from lms_adapter.models import LtiTool, UsedCallId
from lms_adapter.tool import HttpSession
from proctor_core.errors import ProctorError
from proctor_core.service.engines import now
from proctor_core.service.models import to_datetime

DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
ALGORITHM = "RS256"
MAX_LIFETIME_S = 300
"""A call may be valid for at most this long (``exp - iat``)."""
CLOCK_SKEW_S = 60
"""How far the platform's clock may run ahead of the tool's (``iat`` in the future)."""
MAX_TOKEN_CHARS = 16 * 1024
KEY_SET_CACHE_KEY = "lti-platform-call-keyset-{}"
REFETCH_CACHE_KEY = "lti-platform-call-keyset-refetched-{}"
REFETCH_AFTER_S = 60


class PlatformCallRefused(ProctorError):
    """The signed call is not acceptable (signature, key, issuer, audience, deployment, time or replay)."""

    code = "call_refused"
    status_code = 401

    def __init__(self, code: str, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.status_code = status


class MalformedCall(ProctorError):
    """The call is not a JWT, or its claims are missing or of the wrong type."""

    code = "malformed_call"
    status_code = 400


@dataclass(frozen=True)
class PlatformCall:
    """A verified call: the registration it came through and its claims."""

    registration: LtiTool
    deployment_id: str
    claims: Mapping[str, Any]


def verify(token: str) -> PlatformCall:
    """Verify a signed call; see the module docstring for every check.

    :raises MalformedCall: not a JWT, or claims of the wrong shape (400).
    :raises PlatformCallRefused: any check failed (401; 403 for an unknown platform, deployment or a replay).
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise MalformedCall("the form field 'jwt' must hold a signed JWT")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise MalformedCall("the form field 'jwt' is not a JWT") from None
    if header.get("alg") != ALGORITHM:
        raise PlatformCallRefused("unsupported_algorithm", f"only {ALGORITHM} signatures are accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise PlatformCallRefused("missing_kid", "the JWT header has no kid")
    issuer, audience = unverified.get("iss"), unverified.get("aud")
    if not isinstance(issuer, str) or not isinstance(audience, str):
        raise MalformedCall("the claims iss and aud must be strings")
    registration = LtiTool.objects.filter(issuer=issuer, client_id=audience, is_active=True).first()
    if registration is None:
        raise PlatformCallRefused(
            "unknown_platform", "no active platform registration has this issuer and client id (iss, aud)", status=403
        )
    claims = _decode(token, _platform_key(registration, kid), registration)
    deployment_id = claims.get(DEPLOYMENT_CLAIM)
    if not isinstance(deployment_id, str) or deployment_id not in _deployments(registration):
        raise PlatformCallRefused("unknown_deployment", "the deployment_id is not one of this platform's", status=403)
    _use_once(registration.issuer, claims)
    return PlatformCall(registration=registration, deployment_id=deployment_id, claims=claims)


def _decode(token: str, key: jwt.PyJWK, registration: LtiTool) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            audience=registration.client_id,
            issuer=registration.issuer,
            # Times are checked below against the service's clock, the one every other check uses.
            options={"require": ["exp", "iat", "jti", "sub"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        message = "the signature does not verify with the platform's key"
        raise PlatformCallRefused("invalid_signature", message) from None
    except jwt.MissingRequiredClaimError as exc:
        raise MalformedCall(f"the claim {exc.claim} is missing") from None
    except jwt.InvalidTokenError as exc:
        raise PlatformCallRefused("invalid_token", f"the JWT is not valid: {exc}") from None
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise MalformedCall("iat and exp must be numbers")
    if exp <= now():
        raise PlatformCallRefused("expired", "the call has expired (exp)")
    if iat > now() + CLOCK_SKEW_S:
        raise PlatformCallRefused("issued_in_future", "the call was issued in the future (iat)")
    if exp - iat > MAX_LIFETIME_S:
        raise PlatformCallRefused("lifetime_too_long", f"exp may be at most {MAX_LIFETIME_S} s after iat")
    if not isinstance(claims["jti"], str) or not 8 <= len(claims["jti"]) <= 255:
        raise MalformedCall("jti must be a string of 8 to 255 characters")
    return claims


def _use_once(issuer: str, claims: Mapping[str, Any]) -> None:
    """Remember the call's jti until it expires; a second use is a replay. Expired ids are pruned here."""
    expires = to_datetime(float(claims["exp"]))
    try:
        with transaction.atomic():
            UsedCallId.objects.create(issuer=issuer, jti=claims["jti"], expires_at=expires)
    except IntegrityError:
        raise PlatformCallRefused("replayed", "this call (jti) was already used", status=403) from None
    UsedCallId.objects.filter(expires_at__lt=to_datetime(now()) - timedelta(seconds=CLOCK_SKEW_S)).delete()


def _deployments(registration: LtiTool) -> list[str]:
    try:
        return [str(d) for d in json.loads(registration.deployment_ids or "[]")]
    except ValueError:
        return []


def _platform_key(registration: LtiTool, kid: str) -> jwt.PyJWK:
    """The platform's public key with this kid: from the pasted keyset, else its key set URL (cached).

    An unknown kid makes the tool fetch the keyset again (the platform may have rotated its key), at most once per
    :data:`REFETCH_AFTER_S`, so forged kids cannot make the tool hammer the platform.
    """
    key_set, fetched = _key_set(registration)
    jwk = _find(key_set, kid)
    if jwk is None and not fetched and not registration.key_set and _may_refetch(registration):
        jwk = _find(_key_set(registration, fresh=True)[0], kid)
    if jwk is None:
        raise PlatformCallRefused("unknown_key", "the platform's keyset has no key with this kid")
    if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("kty") != "RSA":
        raise PlatformCallRefused("unsupported_algorithm", f"the platform's key of this kid is not an {ALGORITHM} key")
    try:
        return jwt.PyJWK(jwk, algorithm=ALGORITHM)
    except jwt.PyJWKError:
        raise PlatformCallRefused("unknown_key", "the platform's key with this kid is not usable") from None


def _find(key_set: Mapping[str, Any], kid: str) -> dict[str, Any] | None:
    keys = key_set.get("keys", [])
    if not isinstance(keys, list):
        return None
    return next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)


def _may_refetch(registration: LtiTool) -> bool:
    url_hash = hashlib.sha256((registration.key_set_url or "").encode()).hexdigest()
    return caches[lti_setting("CACHE")].add(REFETCH_CACHE_KEY.format(url_hash), True, REFETCH_AFTER_S)


def _key_set(registration: LtiTool, *, fresh: bool = False) -> tuple[Mapping[str, Any], bool]:
    """The registration's keyset, and whether it was fetched just now."""
    if registration.key_set:
        try:
            pasted = json.loads(registration.key_set)
        except ValueError:
            return {}, False
        return (pasted if isinstance(pasted, dict) else {}), False
    url = registration.key_set_url or ""
    if not url.startswith(("http://", "https://")):
        return {}, False
    cache = caches[lti_setting("CACHE")]
    cache_key = KEY_SET_CACHE_KEY.format(hashlib.sha256(url.encode()).hexdigest())
    key_set = None if fresh else cache.get(cache_key)
    if key_set is not None:
        return key_set, False
    try:
        response = HttpSession().get(url)
        response.raise_for_status()
        key_set = response.json()
    except (requests.RequestException, ValueError):
        raise PlatformCallRefused(
            "keyset_unavailable", "the platform's keyset could not be fetched", status=503
        ) from None
    if not isinstance(key_set, dict):
        key_set = {}
    cache.set(cache_key, key_set, lti_setting("KEY_SET_CACHE_S"))
    return key_set, True
