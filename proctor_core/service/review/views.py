"""Reviewer pages: the session list, the session page (timeline, violations, audit log), decisions and evidence.

Each view takes the :class:`~proctor_core.service.review.access.Reviewer` its URL authorised (see
:mod:`proctor_core.service.review.access`); :func:`staff` and :func:`lti` wrap a view for the two ways in.
Bad input answers a 4xx page that says what was wrong and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib.auth.views import redirect_to_login
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from proctor_core.episodes import episodes
from proctor_core.errors import ProctorError
from proctor_core.service.api import result_url
from proctor_core.service.engines import now
from proctor_core.service.models import ProctoringSession
from proctor_core.service.review import export
from proctor_core.service.review.access import Reviewer, reviewer_from_grant, reviewer_from_login
from proctor_core.service.review.adjudication import adjudicate, current_decisions
from proctor_core.service.review.gradebook import gradebook_status
from proctor_core.service.review.listing import NEEDS_REVIEW, SORT_LABELS, BadFilter, list_sessions
from proctor_core.service.review.timeline import build_timeline

View = Callable[..., HttpResponse]


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"  # keeps the grant in the URL from other sites; "no-referrer" would
    # make Chromium send "Origin: null" with the forms, which the CSRF check refuses
    return response


def staff(view: View) -> View:
    """A staff reviewer's view: log in through the admin's page; CSRF as usual."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reviewer = reviewer_from_login(request)
        if reviewer is None:
            if request.user.is_authenticated:
                return _private(render(request, "proctor_review/denied.html", status=403))
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return _private(view(request, reviewer, *args, **kwargs))

    return wrapper


def lti(view: View) -> View:
    """An LMS instructor's view, authorised by the grant in its URL (no cookie; see the access module)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, grant: str, *args: Any, **kwargs: Any) -> HttpResponse:
        reviewer = reviewer_from_grant(grant)
        if reviewer is None:
            return _private(render(request, "proctor_review/denied.html", {"expired": True}, status=403))
        return _private(view(request, reviewer, *args, **kwargs))

    return wrapper


def _list_context(reviewer: Reviewer) -> dict[str, Any]:
    exams = [
        (exam, {f"{what}_{fmt}": f"{reviewer.url('export', what, fmt)}?exam={exam.slug}"
                for what in export.KINDS for fmt in export.FORMATS})
        for exam in reviewer.exams()
    ]
    return {"reviewer": reviewer, "list_url": reviewer.url("list"), "exams": exams, "sorts": SORT_LABELS,
            "needs_review": NEEDS_REVIEW}


@require_GET
def session_list(request: HttpRequest, reviewer: Reviewer) -> HttpResponse:
    context = _list_context(reviewer)
    try:
        listing = list_sessions(reviewer.sessions(), request.GET)
    except BadFilter as exc:
        context["error"] = str(exc)
        return render(request, "proctor_review/list.html", context, status=400)
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(session, reviewer.url("session", session.pk)) for session in listing.page]
    sort_links = {}
    for key in ("name", "started", "score"):
        ordered = query.copy()
        ordered["sort"] = f"-{key}" if listing.sort == key else key
        sort_links[key] = f"?{ordered.urlencode()}"
    context.update(listing=listing, rows=rows, query=query.urlencode(), sort_links=sort_links)
    return render(request, "proctor_review/list.html", context)


def _session(reviewer: Reviewer, session_id: UUID) -> ProctoringSession:
    session = reviewer.sessions().filter(pk=session_id).first()
    if session is None:
        raise Http404("no such session among those you may review")
    return session


def session_context(reviewer: Reviewer, session: ProctoringSession) -> dict[str, Any]:
    kept = ExpressionWrapper(Q(evidence_jpeg__isnull=False), output_field=BooleanField())
    records = list(session.violations.defer("evidence_jpeg").annotate(has_evidence=kept))
    violations = [record.to_violation() for record in records]
    decisions = current_decisions(session)
    ended = session.ended_at.timestamp() if session.ended_at else now()
    timeline = build_timeline(started_at=session.started_at.timestamp(), ended_at=ended,
                              engine_state=session.engine_state, violations=violations, decisions=decisions)
    penalised = {row["violation_id"]: row for row in session.penalties}
    rows = [
        {"record": record, "decision": decisions.get(record.pk), "penalty": penalised.get(record.pk),
         "evidence_url": reviewer.url("evidence", session.pk, record.pk) if record.has_evidence else None}
        for record in records
    ]
    groups = [e for e in episodes(violations) if len(e.violations) > 1]
    return {
        "reviewer": reviewer,
        "list_url": reviewer.url("list"),
        "decide_url": reviewer.url("decide", session.pk),
        "session": session,
        "timeline": timeline,
        "rows": rows,
        "episodes": groups,
        "log": session.adjudications.select_related("violation").order_by("-created_at", "-id"),
        "receipt_url": result_url(session),
        "gradebook": gradebook_status(session),
    }


@require_GET
def session_page(request: HttpRequest, reviewer: Reviewer, session_id: UUID) -> HttpResponse:
    session = _session(reviewer, session_id)
    return render(request, "proctor_review/session.html", session_context(reviewer, session))


@require_POST
def decide(request: HttpRequest, reviewer: Reviewer, session_id: UUID) -> HttpResponse:
    session = _session(reviewer, session_id)
    try:
        adjudicate(session.pk, request.POST.getlist("violation"), request.POST.get("decision", ""),
                   request.POST.get("reason", ""), reviewer.name)
    except ProctorError as exc:
        context = session_context(reviewer, session)
        context["error"] = exc.message
        return render(request, "proctor_review/session.html", context, status=exc.status_code)
    return redirect(reviewer.url("session", session.pk) + "#decisions")


@require_GET
def evidence(request: HttpRequest, reviewer: Reviewer, session_id: UUID, violation_id: str) -> HttpResponse:
    session = _session(reviewer, session_id)
    jpeg = session.violations.filter(pk=violation_id).values_list("evidence_jpeg", flat=True).first()
    if not jpeg:
        raise Http404("no evidence picture is kept for this violation")
    return HttpResponse(bytes(jpeg), content_type="image/jpeg")


@require_GET
def export_view(request: HttpRequest, reviewer: Reviewer, what: str, fmt: str) -> HttpResponse:
    exam = reviewer.exams().filter(slug=request.GET.get("exam", "")).first()
    if exam is None:
        context = {**_list_context(reviewer), "error": "export: choose one of your exams (exam=<slug>)"}
        return render(request, "proctor_review/list.html", context, status=400)
    try:
        body, content_type = export.render(exam, what, fmt)
    except export.ExportRefused as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exam.slug}-{what}.{fmt}"'
    return response
