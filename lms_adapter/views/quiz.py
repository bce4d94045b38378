"""The quiz access rule's signed calls: ``POST /lti/moodle/quiz/`` with the form field ``jwt``.

Exempt from Django's CSRF check: the caller is the platform's server, and the call is authenticated by the
platform's signature and a single-use ``jti`` (:mod:`lms_adapter.platform_calls`), never by a cookie. Every answer
is JSON; a refusal is ``{"error": {"code", "message", "details"}}`` with a 4xx status (503 if the platform's keyset
cannot be fetched).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from lms_adapter import platform_calls, quiz
from proctor_core.errors import ProctorError
from proctor_core.service.exceptions import error_body, validation_details


@csrf_exempt
@never_cache
def moodle_quiz(request: HttpRequest) -> JsonResponse:
    """Answer a quiz access rule's ``check``, ``start`` or ``submit`` call (see docs/lms/README.md)."""
    if request.method != "POST":
        response = JsonResponse(error_body("method_not_allowed", "use POST with the form field 'jwt'"), status=405)
        response["Allow"] = "POST"
        return response
    try:
        call = platform_calls.verify(request.POST.get("jwt", ""))
        body = quiz.QuizCall.model_validate(dict(call.claims))
        return JsonResponse(quiz.handle(call, body, absolute_url=request.build_absolute_uri))
    except ValidationError as exc:
        refusal = error_body("malformed_call", "the call's claims do not validate", validation_details(exc))
        return JsonResponse(refusal, status=400)
    except ProctorError as exc:
        return JsonResponse(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
