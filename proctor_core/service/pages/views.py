"""Views of the stand-alone flow.

The start form opens a session and answers with the monitoring page itself, the session token rendered into it:
the token never appears in a URL (so in no server or proxy log) and never in a cookie. The result page is opened
by a key that reads that one session's result and nothing else.
"""

from __future__ import annotations

import math
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View
from pydantic import ValidationError

from proctor_core.scoring import RECEIPT_COLUMNS, receipt_row
from proctor_core.service import api
from proctor_core.service.exceptions import UnknownExam
from proctor_core.service.models import Exam, ProctoringSession
from proctor_core.service.pages.wrapper import exam_address_refusal, exam_unavailable, monitoring_page
from proctor_core.service.review.adjudication import current_decisions
from proctor_core.service.schemas import SessionCreate
from proctor_core.service.throttling import SessionCreationThrottle, allowed
from proctor_core.service.tokens import check_result_key


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
            errors = {str(error["loc"][0]): error["msg"] for error in exc.errors(include_input=False)}
            return self._form(request, values=values, errors=errors, status=400)
        except UnknownExam as exc:
            return self._form(request, values=values, errors={"exam": exc.message}, status=400)
        exam_url = exam.exam_config().exam_url
        refusal = exam_url and exam_address_refusal(request, exam_url)
        if refusal:  # before a session is opened for an exam that cannot be shown
            return exam_unavailable(request, refusal)
        session, token = api.open_session(exam=exam, name=body.name, email=body.email)
        return monitoring_page(request, session, token)

    def _form(self, request: HttpRequest, *, values: dict, errors: dict, status: int = 200) -> HttpResponse:
        exams = Exam.objects.filter(standalone=True)
        shown = {key: value.replace("\x00", "\ufffd") for key, value in values.items()}  # refused, not echoed
        context = {"exams": exams, "values": shown, "errors": errors}
        return render(request, "proctor/start.html", context, status=status)


class ResultView(View):
    """The candidate's receipt: score, risk band, every deduction explained, coverage and notices in words."""

    def get(self, request: HttpRequest, session_id: UUID) -> HttpResponse:
        if not check_result_key(session_id, request.GET.get("key", "")):
            raise Http404("no such result")
        session = ProctoringSession.objects.select_related("exam", "candidate").filter(pk=session_id).first()
        if session is None:
            raise Http404("no such result")
        report = None if session.active else api.stored_report(session)
        dismissed = list(current_decisions(session).values()).count("dismissed")
        receipt = {
            "columns": [heading for _, heading in RECEIPT_COLUMNS],
            "rows": [receipt_row(penalty) for penalty in report.penalties] if report else [],
        }
        context = {"session": session, "report": report, "dismissed": dismissed, "receipt": receipt}
        response = render(request, "proctor/result.html", context)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
