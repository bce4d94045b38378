"""The monitoring page of a session, and the exam-wrapper page for exams with an address.

An exam whose configuration names an ``exam_url`` (a web exam the tool cannot reach from inside the LMS: a Canvas
quiz, any exam site that allows being framed) gets the wrapper page: the capture widget docked in a side bar and
the exam in a frame filling the rest. The frame is created by the widget only once monitoring has started and is
removed when the session ends, so the exam is never usable unmonitored from this page. See docs/lms/exam-wrapper.md.

The page carries a Content-Security-Policy of its own: scripts, styles and API calls from the tool only, frames
from the exam's origin only, framed only by the origins the service allows. The policy middleware leaves a header
already set alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from proctor_core.exam_address import check_exam_address, origin
from proctor_core.service import api
from proctor_core.service.conf import proctor_settings
from proctor_core.service.models import ProctoringSession

EXAM_FRAME_SANDBOX = "allow-scripts allow-same-origin allow-forms allow-modals allow-downloads"
"""The exam frame may run its scripts, keep its own origin (cookies, storage) and submit forms; it may not navigate
the wrapper page away (``allow-top-navigation`` is absent) or open pop-up windows."""


def loopback_http_allowed() -> bool:
    """Whether exam addresses may be plain ``http`` on a loopback host: in development (DEBUG) and tests only."""
    allowed = proctor_settings().EXAM_ADDRESS_LOOPBACK_HTTP
    return settings.DEBUG if allowed is None else allowed


def monitoring_page(
    request: HttpRequest, session: ProctoringSession, token: str, extra: Mapping[str, object] | None = None
) -> HttpResponse:
    """The page that mounts the widget for ``session``: the wrapper page if its exam has an address.

    ``extra``: more template context, e.g. an LMS launch's return URL.

    The address is the exam's current one, not the session's copy of the rules: where the exam lives is no rule of
    the session, and a corrected address reaches a learner whose session is already open.
    """
    context = {**api.monitor_page_context(session, token), **(extra or {})}
    exam_url = session.exam.exam_config().exam_url
    if not exam_url:
        response = render(request, "proctor/monitor.html", context)
    else:
        refusal = exam_address_refusal(request, exam_url)
        if refusal:
            return exam_unavailable(request, refusal)
        exam_origin = origin(exam_url)
        context.update(exam_url=exam_url, exam_origin=exam_origin, exam_sandbox=EXAM_FRAME_SANDBOX)
        response = render(request, "proctor/wrapper.html", context)
        response["Content-Security-Policy"] = wrapper_policy(exam_origin)
        response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def wrapper_policy(exam_origin: str) -> str:
    """The wrapper page's Content-Security-Policy: everything from the tool, frames from the exam's origin."""
    ancestors = " ".join(proctor_settings().FRAME_ANCESTORS) or "'none'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            f"frame-src {exam_origin}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        )
    )


def exam_address_refusal(request: HttpRequest, exam_url: str) -> str | None:
    """Why this service does not frame ``exam_url`` for ``request``; ``None`` if it does.

    Checked again at every page, not only when the address was saved: loopback ``http`` is for development only,
    and an exam on the tool's own origin would share the wrapper's origin (its frame keeps its origin).
    """
    try:
        exam_url = check_exam_address(exam_url, allow_loopback_http=loopback_http_allowed())
    except ValueError as exc:
        return str(exc)
    if origin(exam_url) == origin(request.build_absolute_uri("/")):
        return "the exam address is on this tool's own site, which is never framed"
    return None


def exam_unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    """The page that says the exam cannot be opened, and why (409: the exam's settings must change)."""
    response = render(request, "proctor/exam_unavailable.html", {"reason": reason}, status=409)
    response["Cache-Control"] = "no-store"
    return response
