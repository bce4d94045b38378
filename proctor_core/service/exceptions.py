"""Errors of the service and the one DRF exception handler that turns every expected error into JSON.

Every answer to bad input is ``{"error": {"code", "message", "details"}}`` with a 4xx status:
:class:`~proctor_core.errors.ProctorError` (core and service errors) keeps its code and status, a pydantic
``ValidationError`` is a 400 ``invalid_request`` listing the fields, DRF's own errors (malformed JSON, wrong
content type, missing or bad token) keep theirs. Anything else is a bug: left to Django, logged, a JSON 500.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from pydantic import ValidationError
from rest_framework import exceptions as drf
from rest_framework.response import Response

from proctor_core.errors import ProctorError

_DRF_CODES = {drf.ParseError: "malformed_json", drf.UnsupportedMediaType: "unsupported_media_type"}


class SessionNotFound(ProctorError):
    """No proctoring session has this id."""

    code = "session_not_found"
    status_code = 404


class WrongSession(ProctorError):
    """The token is valid but belongs to another session."""

    code = "token_for_other_session"
    status_code = 403


class SessionEnded(ProctorError):
    """The session has ended: it takes no more observations."""

    code = "session_ended"
    status_code = 409


class UnknownExam(ProctorError):
    """No exam offered for stand-alone sessions has this slug."""

    code = "unknown_exam"
    status_code = 400


class EvidenceNotFound(ProctorError):
    """The violation has no evidence image (never kept, or deleted after the retention period)."""

    code = "evidence_not_found"
    status_code = 404


class PayloadTooLarge(ProctorError):
    """The request body is larger than the service accepts."""

    code = "payload_too_large"
    status_code = 413


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may be a whole image)."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: the JSON error answer for every expected error, ``None`` for bugs."""
    if isinstance(exc, ValidationError):
        return Response(
            error_body("invalid_request", "the request does not validate", validation_details(exc)), status=400
        )
    if isinstance(exc, ProctorError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "not found"), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("permission_denied", "permission denied"), status=403)
    if isinstance(exc, drf.APIException):
        code = _DRF_CODES.get(type(exc)) or (exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code)
        message = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        headers = {"WWW-Authenticate": exc.auth_header} if getattr(exc, "auth_header", None) else {}
        details = None
        if isinstance(exc, drf.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(math.ceil(exc.wait))
            details = {"retry_after_s": math.ceil(exc.wait)}
            message = "too many requests from this client; try again later"
        return Response(error_body(code, str(message), details), status=exc.status_code, headers=headers)
    return None


def api_aware_handler(default: Callable[..., HttpResponse], status: int, code: str, message: str):
    """A Django error handler (``handler404`` ...): JSON under ``/api/``, Django's own page elsewhere.

    DRF views answer their errors through :func:`exception_handler`; this covers what happens outside them
    (an unknown ``/api/`` URL, a request Django itself refuses, an unexpected crash).
    """

    def handler(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse(error_body(code, message), status=status)
        return default(request, *args, **kwargs)

    return handler
