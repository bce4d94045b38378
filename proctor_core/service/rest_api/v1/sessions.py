"""Session resources: open a session, read it, end it, list its violations and their evidence."""

from __future__ import annotations

from uuid import UUID

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from proctor_core.service import api
from proctor_core.service.exceptions import EvidenceNotFound
from proctor_core.service.models import ProctoringSession, ViolationRecord
from proctor_core.service.recording import violation_json
from proctor_core.service.rest_api.v1.base import ApiView, ReadableSessionView, SessionView, error_responses
from proctor_core.service.schemas import (
    ScoreOut,
    SessionCreate,
    SessionCreated,
    SessionDetail,
    ViolationList,
)
from proctor_core.service.throttling import SessionCreationThrottle


class SessionCreateView(ApiView):
    """Open a stand-alone proctoring session; the answer holds its bearer token."""

    throttle_classes = [SessionCreationThrottle]

    @extend_schema(
        request=SessionCreate, responses={201: SessionCreated, **error_responses(400, 413, 415, 429)}, auth=[]
    )
    def post(self, request) -> Response:
        body = SessionCreate.model_validate(request.data)
        exam = api.standalone_exam(body.exam)
        session, token = api.open_session(exam=exam, name=body.name, email=body.email)
        created = SessionCreated(id=str(session.pk), token=token, config=session.config, expires_at=session.expires_at)
        return Response(created.model_dump(mode="json"), status=201)


def session_detail(session: ProctoringSession) -> dict:
    """The JSON state of a session, as ``GET /sessions/{id}`` answers it."""
    counts = dict(session.violations.values_list("code").annotate(n=Count("id")).order_by("code"))
    report = None if session.active else api.stored_report(session)
    coverage = api.live_coverage(session) if report is None else report.coverage
    return SessionDetail(
        id=str(session.pk),
        exam=session.exam.slug,
        exam_title=session.exam.title,
        active=session.active,
        started_at=session.started_at,
        monitoring_started_at=session.monitoring_started_at,
        ended_at=session.ended_at,
        expires_at=session.expires_at,
        counts=counts,
        analysis=session.exam_config().analysis,
        score=report.score if report else None,
        risk_level=report.risk_level if report else None,
        penalties=report.to_json()["penalties"] if report else None,
        coverage=coverage.to_json() if coverage else None,
        needs_review=report.needs_review if report else None,
        review_reasons=list(report.review_reasons) if report else None,
        notices=list(report.notices) if report else None,
        receipt=report.to_json()["receipt"] if report else None,
        result_url=api.result_url(session),
    ).model_dump(mode="json")


class SessionDetailView(ReadableSessionView):
    """State of a session: active or ended, whether monitoring started, counts per violation code, coverage, and the
    score once ended."""

    @extend_schema(responses={200: SessionDetail, **error_responses(401, 403, 404)})
    def get(self, request, session_id: UUID) -> Response:
        return Response(session_detail(self.get_session(request, session_id)))


class SessionStartView(SessionView):
    """Record that monitoring started (consent given, device check passed). Idempotent: the first time counts."""

    @extend_schema(request=None, responses={200: SessionDetail, **error_responses(401, 403, 404, 409)})
    def post(self, request, session_id: UUID) -> Response:
        return Response(session_detail(api.start_monitoring(self.get_session(request, session_id))))


class SessionEndView(SessionView):
    """End the session and score it. Idempotent: ending it again answers the same score."""

    @extend_schema(request=None, responses={200: ScoreOut, **error_responses(401, 403, 404)})
    def post(self, request, session_id: UUID) -> Response:
        report = api.end_session(self.get_session(request, session_id))
        return Response(ScoreOut.model_validate(report.to_json()).model_dump(mode="json"))


class ViolationListView(ReadableSessionView):
    """The session's violations and notices in time order, with links to evidence images where kept."""

    @extend_schema(responses={200: ViolationList, **error_responses(401, 403, 404)})
    def get(self, request, session_id: UUID) -> Response:
        session = self.get_session(request, session_id)
        records = (
            session.violations.defer("evidence_jpeg")
            .annotate(has_evidence=ExpressionWrapper(Q(evidence_jpeg__isnull=False), output_field=BooleanField()))
        )
        return Response({"violations": [violation_json(r, has_evidence=r.has_evidence) for r in records]})


class EvidenceView(ReadableSessionView):
    """The evidence JPEG of one violation, while it is kept."""

    @extend_schema(responses={(200, "image/jpeg"): bytes, **error_responses(401, 403, 404)})
    def get(self, request, session_id: UUID, violation_id: str) -> HttpResponse:
        session: ProctoringSession = self.get_session(request, session_id)
        jpeg = (
            ViolationRecord.objects.filter(session=session, pk=violation_id, evidence_jpeg__isnull=False)
            .values_list("evidence_jpeg", flat=True)
            .first()
        )
        if jpeg is None:
            raise EvidenceNotFound("this violation has no evidence image")
        response = HttpResponse(bytes(jpeg), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response
