"""Errors of the service and the one DRF exception handler that turns every expected error into JSON.

Every answer to bad input is ``{"error": {"code", "message", "details"}}`` with a 4xx status:
:class:`~proctor_core.errors.ProctorError` (core and service errors) keeps its code and status, a pydantic
``ValidationError`` is a 400 ``invalid_request`` listing the fields, DRF's own errors (malformed JSON, wrong
content type, missing or bad token) keep theirs. A :class:`~proctor_core.errors.PluginError` reaching a request is
the deployment's fault, not the caller's: a 503 ``plugin_error``, logged. Anything else is a bug: left to Django,
logged, a JSON 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from pydantic import ValidationError
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from proctor_core.errors import ProctorError

log = logging.getLogger(__name__)

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
    """DRF ``EXCEPTION_HANDLER``: the JSON error answer for every expected error, ``None`` for bugs.

    DRF's own handler answers first (its status, its ``WWW-Authenticate`` and ``Retry-After`` headers, and the
    rollback of an atomic request); its body is then reshaped into ours. Errors DRF does not know, ours and
    pydantic's, get the same rollback.
    """
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _reshaped(exc, response)
        return response
    if isinstance(exc, ValidationError):
        body = error_body("invalid_request", "the request does not validate", validation_details(exc))
        response = Response(body, status=400)
    elif isinstance(exc, ProctorError):
        if exc.status_code >= 500:
            log.error("%s: %s", exc.code, exc.message)
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    else:
        return None
    set_rollback()
    return response


def _reshaped(exc: Exception, response: Response) -> dict[str, Any]:
    """DRF's answer to ``exc`` (an ``APIException``, ``Http404`` or ``PermissionDenied``) in our error format."""
    if isinstance(exc, Http404):
        return error_body("not_found", "not found")
    if isinstance(exc, PermissionDenied):
        return error_body("permission_denied", "permission denied")
    assert isinstance(exc, drf.APIException)
    code = _DRF_CODES.get(type(exc)) or (exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    details = None
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        details = {"retry_after_s": int(response["Retry-After"])}
        message = "too many requests from this client; try again later"
    return error_body(str(code), str(message), details)


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
