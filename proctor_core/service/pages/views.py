"""Views of the stand-alone flow.

The start form opens a session and redirects (Post/Redirect/Get) to the session's monitoring page
``/s/<id>/monitor#token=...``: the token travels in the URL fragment, which a browser never sends to a server (so
it is in no server or proxy log), and never in a cookie; a reload of that page resumes the same session. In the
browser the start page's script opens the session through ``POST /api/v1/sessions``, which needs no cookie, so the
form also works inside a cross-site iframe where the CSRF cookie is dropped; the form post is the fallback without
JavaScript. The result page is opened
by a key that reads that one session's result and nothing else; it draws the receipt with the widget's renderer.
"""

from __future__ import annotations

import math
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from pydantic import ValidationError

from proctor_core import wording
from proctor_core.service import api
from proctor_core.service.apps import service_config
from proctor_core.service.engines import engine_for
from proctor_core.service.exceptions import UnknownExam
from proctor_core.service.models import Exam, ProctoringSession
from proctor_core.service.pages.wrapper import exam_address_refusal, exam_unavailable, monitoring_page
from proctor_core.service.review.adjudication import current_decisions
from proctor_core.service.schemas import ScoreOut, SessionCreate
from proctor_core.service.throttling import SessionCreationThrottle, allowed
from proctor_core.service.tokens import check_result_key

FIELD_MESSAGES = {
    "name": "Enter your name.",
    "email": "Enter a valid email address.",
    "exam": "Choose one of the listed exams.",
}
"""What the candidate reads for a refused field (widget/src/start-page.js says the same)."""


class StartView(View):
    """Name, email and exam; on success the monitoring page for the new session."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._form(request, values={}, errors={})

    def post(self, request: HttpRequest) -> HttpResponse:
        values = {key: request.POST.get(key, "") for key in ("name", "email", "exam")}
        may_open, wait = allowed(SessionCreationThrottle, request)
        if not may_open:
            message = "Too many sessions were opened from your network. Please try again later."
            response = self._form(request, values=values, errors={"form": message}, status=429)
            response["Retry-After"] = str(math.ceil(wait or 1))
            return response
        try:
            body = SessionCreate.model_validate({**values, "exam": values["exam"] or None})
            exam = api.standalone_exam(body.exam)
        except ValidationError as exc:
            errors = {}
            for error in exc.errors(include_input=False):
                field = str(error["loc"][0])
                message = FIELD_MESSAGES.get(field, "Check the form and try again.")
                if "NUL character" in error["msg"]:
                    message += " It cannot contain a NUL character."
                errors[field] = message
            return self._form(request, values=values, errors=errors, status=400)
        except UnknownExam:
            return self._form(request, values=values, errors={"exam": FIELD_MESSAGES["exam"]}, status=400)
        exam_url = exam.exam_config().exam_url
        refusal = exam_url and exam_address_refusal(request, exam_url)
        if refusal:  # before a session is opened for an exam that cannot be shown
            return exam_unavailable(request, refusal)
        session, token = api.open_session(exam=exam, name=body.name, email=body.email)
        return HttpResponseRedirect(f"{reverse('proctor:monitor', args=[session.pk])}#token={token}", status=303)

    def _form(self, request: HttpRequest, *, values: dict, errors: dict, status: int = 200) -> HttpResponse:
        exams = [(exam, exam_rules(exam)) for exam in Exam.objects.filter(standalone=True)]
        shown = {key: value.replace("\x00", "\ufffd") for key, value in values.items()}  # refused, not echoed
        shown["exam"] = shown.get("exam") or service_config().conf.DEFAULT_EXAM  # preselected: the API's default
        placeholder = str(UUID(int=0))
        monitor_url = reverse("proctor:monitor", args=[placeholder]).replace(placeholder, "{id}")
        context = {
            "exams": exams, "values": shown, "errors": errors, "api_base": api.api_base(), "monitor_url": monitor_url
        }
        return render(request, "proctor/start.html", context, status=status)


def exam_rules(exam: Exam) -> tuple[str, ...]:
    """What the exam counts, in the words the start page shows before a candidate starts."""
    engine = engine_for(exam.config)
    return wording.exam_rules((a.spec.name, a.rule, a.points, a.notice) for a in engine.detectors)


class MonitorView(View):
    """The monitoring page of a session, to link to or frame: the token is not in it but in the URL fragment
    (``#token=...``) or, after a reload, in the tab's sessionStorage, where the widget keeps it for the sitting.
    The page holds nothing a token does not already give: no token, no result link (the widget asks the API)."""

    def get(self, request: HttpRequest, session_id: UUID) -> HttpResponse:
        session = ProctoringSession.objects.select_related("exam").filter(pk=session_id).first()
        if session is None:
            raise Http404("no such session")
        response = monitoring_page(request, session, "", {"result_url": ""})
        response["Referrer-Policy"] = "no-referrer"
        return response


class ResultView(View):
    """The candidate's receipt: score, risk band, every deduction explained, coverage and notices in words.

    The page carries the stored score report as JSON (the shape of the API's end answer) and draws it with the
    widget's own receipt renderer (widget/src/result-page.js), so the page and the widget's receipt are one design.
    """

    def get(self, request: HttpRequest, session_id: UUID) -> HttpResponse:
        if not check_result_key(session_id, request.GET.get("key", "")):
            raise Http404("no such result")
        session = ProctoringSession.objects.select_related("exam", "candidate").filter(pk=session_id).first()
        if session is None:
            raise Http404("no such result")
        result = None
        if not session.active:
            report = ScoreOut.model_validate(api.stored_report(session).to_json()).model_dump(mode="json")
            result = {"report": report, "dismissed": list(current_decisions(session).values()).count("dismissed")}
        context = {
            "session": session,
            "result": result,
            "start_url": reverse("proctor:start") if session.exam.standalone else "",
        }
        response = render(request, "proctor/result.html", context)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
