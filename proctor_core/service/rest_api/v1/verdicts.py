"""On-device analysis resources: verdicts instead of frames, and the pictures the service asks to see.

``POST /sessions/{id}/verdicts`` takes what the widget found in one frame plus the SHA-256 of that frame's JPEG;
``POST /sessions/{id}/verdicts/{seq}/frame`` takes the JPEG when the answer asked for it (``reveal: true``).
Both only exist for exams with ``analysis: device``; see :mod:`proctor_core.service.spotchecks`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from drf_spectacular.utils import OpenApiRequest, extend_schema
from pydantic import BaseModel, Field, StrictFloat, StrictInt, StrictStr
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from proctor_core.errors import ProctorError
from proctor_core.service.recording import check_open
from proctor_core.service.rest_api.v1.base import SessionView, error_responses
from proctor_core.service.rest_api.v1.parsers import JPEGParser
from proctor_core.service.schemas import CapturedAt, RequestModel, Seq, ViolationOut
from proctor_core.service.spotcheck_models import VerdictCheck
from proctor_core.service.spotchecks import record_verdict, reveal
from proctor_core.types import CaptureQuality, FaceBox, FaceStatus, FrameAnalysis

MAX_FACES = 32
Coordinate = Annotated[StrictFloat | StrictInt, Field(ge=-100_000, le=100_000, allow_inf_nan=False)]
Side = Annotated[StrictInt, Field(ge=1, le=8192)]


class WrongAnalysisMode(ProctorError):
    """The exam's frames are analysed by the service: a verdict from the widget is not accepted."""

    code = "server_analysis_exam"
    status_code = 409


class NoRevealRequested(ProctorError):
    """The service did not ask for this frame's picture, or already has it."""

    code = "no_reveal_requested"
    status_code = 404


class FaceIn(RequestModel):
    x: Coordinate
    y: Coordinate
    width: Annotated[StrictFloat | StrictInt, Field(ge=0, le=100_000, allow_inf_nan=False)]
    height: Annotated[StrictFloat | StrictInt, Field(ge=0, le=100_000, allow_inf_nan=False)]
    score: Annotated[StrictFloat | StrictInt, Field(ge=0, le=1, allow_inf_nan=False)]
    yaw_deg: Annotated[StrictFloat | StrictInt, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    turned: bool | None = None


class VerdictIn(RequestModel):
    """What the widget found in one frame, and its commitment to the frame's JPEG."""

    seq: Seq
    captured_at: CapturedAt | None = None
    width: Side
    height: Side
    faces: Annotated[list[FaceIn], Field(max_length=MAX_FACES)]
    quality: CaptureQuality = CaptureQuality.OK
    sha256: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) of the frame's JPEG")]


class VerdictResult(BaseModel):
    face_status: FaceStatus
    faces: int
    violations: list[ViolationOut]
    reveal: bool = Field(description="Send this frame's JPEG to verdicts/{seq}/frame")


class RevealResult(BaseModel):
    seq: int
    status: Literal["agreed", "disagreed", "hash_mismatch"]
    violations: list[ViolationOut]


ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415)


class VerdictsView(SessionView):
    """Judge the widget's verdict on one frame exactly as a frame the service analysed."""

    parser_classes = [JSONParser]

    @extend_schema(request=VerdictIn, responses={200: VerdictResult, **ERRORS})
    def post(self, request, session_id: UUID) -> Response:
        session = self.get_session(request, session_id)
        check_open(session)
        if session.exam_config().analysis != "device":
            raise WrongAnalysisMode("this exam's frames are analysed by the service: send frames, not verdicts")
        body = VerdictIn.model_validate(request.data)
        analysis = FrameAnalysis(
            faces=tuple(
                FaceBox(float(f.x), float(f.y), float(f.width), float(f.height), float(f.score),
                        None if f.yaw_deg is None else float(f.yaw_deg), f.turned)
                for f in body.faces
            ),
            width=body.width,
            height=body.height,
            quality=body.quality,
        )
        return Response(
            record_verdict(session, analysis, sha256=body.sha256, seq=body.seq, captured_at=body.captured_at)
        )


class RevealView(SessionView):
    """Receive the JPEG of a verdict the service asked to see; check it and re-analyse it."""

    parser_classes = [JPEGParser]

    @extend_schema(request={"image/jpeg": OpenApiRequest(bytes)}, responses={200: RevealResult, **ERRORS})
    def post(self, request, session_id: UUID, seq: int) -> Response:
        session = self.get_session(request, session_id)
        check_open(session)
        check = VerdictCheck.objects.filter(session=session, seq=seq, status=VerdictCheck.REQUESTED).first()
        if check is None:
            raise NoRevealRequested(f"the picture of verdict {seq} was not asked for, or was already received")
        if not isinstance(request.data, bytes):
            raise ProctorError("send the frame's JPEG as a raw image/jpeg body")
        return Response(reveal(session, check, request.data))
