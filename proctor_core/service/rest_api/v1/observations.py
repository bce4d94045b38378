"""Observation resources: webcam frames, audio activity and page events of a running session."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, OpenApiRequest, extend_schema
from rest_framework.response import Response

from proctor_core.service.metrics import ANALYSIS
from proctor_core.service.recording import analyse_frame, check_open, record
from proctor_core.service.rest_api.v1.base import SessionView, error_responses
from proctor_core.service.rest_api.v1.parsers import JPEGParser, JSONParser
from proctor_core.service.schemas import AudioIn, EventIn, FrameIn, FrameQuery, FrameResult, ObservationResult
from proctor_core.types import AudioSample, ObservationKind, PageEvent

OBSERVATION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422)


class FramesView(SessionView):
    """Judge one webcam frame: the face status now, and any violations it caused."""

    parser_classes = [JSONParser, JPEGParser]

    @extend_schema(
        request={"application/json": FrameIn, "image/jpeg": OpenApiRequest(bytes)},
        parameters=[
            OpenApiParameter("seq", int, description="With a raw image/jpeg body: the frame's seq"),
            OpenApiParameter("captured_at", float, description="With a raw image/jpeg body: capture time, POSIX s"),
        ],
        responses={200: FrameResult, **OBSERVATION_ERRORS},
    )
    def post(self, request, session_id: UUID) -> Response:
        session = self.get_session(request, session_id)
        check_open(session)
        image: bytes | str
        meta: FrameQuery | FrameIn
        if isinstance(request.data, bytes):
            image, meta = request.data, FrameQuery.model_validate(request.query_params.dict())
        else:
            body = FrameIn.model_validate(request.data)
            image, meta = body.image, body
        with ANALYSIS.time():
            frame, analysis = analyse_frame(image)
        answer = {"face_status": analysis.face_status.value, "faces": analysis.face_count}
        result = record(
            session, ObservationKind.FRAME, analysis,
            seq=meta.seq, captured_at=meta.captured_at, frame=frame, answer=answer,
        )
        return Response(result)


class AudioView(SessionView):
    """Judge one second of microphone activity (silent or not)."""

    @extend_schema(request=AudioIn, responses={200: ObservationResult, **OBSERVATION_ERRORS})
    def post(self, request, session_id: UUID) -> Response:
        session = self.get_session(request, session_id)
        check_open(session)
        body = AudioIn.model_validate(request.data)
        sample = AudioSample(is_silent=body.is_silent, level=None if body.level is None else float(body.level))
        return Response(record(session, ObservationKind.AUDIO, sample, seq=body.seq, captured_at=body.captured_at))


class EventsView(SessionView):
    """Judge one page event (tab hidden or visible, window blur or focus) or device notice."""

    @extend_schema(request=EventIn, responses={200: ObservationResult, **OBSERVATION_ERRORS})
    def post(self, request, session_id: UUID) -> Response:
        session = self.get_session(request, session_id)
        check_open(session)
        body = EventIn.model_validate(request.data)
        event = PageEvent(type=body.type, lost=body.lost.model_dump() if body.lost else {})
        return Response(record(session, ObservationKind.PAGE, event, seq=body.seq, captured_at=body.captured_at))
