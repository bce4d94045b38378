"""Authentication of API v1: a bearer session token opens its own session only."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from proctor_core.service.api import session_by_token
from proctor_core.service.engines import now
from proctor_core.service.models import to_datetime

MAX_TOKEN_CHARS = 256


class SessionTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <session token>``; ``request.auth`` becomes the token's session."""

    def authenticate(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_CHARS or " " in token:
            raise AuthenticationFailed("the Authorization header must be 'Bearer <session token>'", "invalid_token")
        session = session_by_token(token)
        if session is None:
            raise AuthenticationFailed("the session token is not valid", "invalid_token")
        if session.expires_at <= to_datetime(now()):
            raise AuthenticationFailed("the session token has expired", "token_expired")
        return None, session

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="proctor"'


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = SessionTokenAuthentication
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token returned by POST /api/v1/sessions; it opens that session only.",
        }
