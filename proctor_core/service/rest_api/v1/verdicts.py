"""On-device analysis resources: verdicts instead of frames, and the pictures the service asks to see.

``POST /sessions/{id}/verdicts`` takes a batch: what the widget found in each of the last few seconds' frames plus
the SHA-256 of each frame's JPEG, and the audio reports of those seconds (the widget sends one request every few
seconds instead of two a second); ``POST /sessions/{id}/verdicts/{seq}/frame`` takes the JPEG of a verdict the
answer listed in ``reveal``.
Both only exist for exams with ``analysis: device``; see :mod:`proctor_core.service.spotchecks`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from drf_spectacular.utils import OpenApiRequest, extend_schema
from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator
from rest_framework.response import Response

from proctor_core.errors import ProctorError
from proctor_core.service.recording import Observed, check_open
from proctor_core.service.rest_api.v1.base import SessionView, check_body_size, error_responses
from proctor_core.service.rest_api.v1.parsers import JPEGParser, JSONParser
from proctor_core.service.schemas import CapturedAt, RequestModel, Seq, ViolationOut
from proctor_core.service.spotcheck_models import VerdictCheck
from proctor_core.service.spotchecks import Verdict, record_verdicts, reveal
from proctor_core.types import AudioSample, CaptureQuality, FaceBox, FaceStatus, FrameAnalysis, ObservationKind

MAX_FACES = 32
MAX_BATCH = 30
"""Verdicts (and, separately, audio reports) in one request: the widget sends every 5 s, sooner on a change."""
MAX_BATCH_BYTES = 64 * 1024
"""A batch's body; 30 verdicts with one face and 30 audio reports take about 10 kB."""
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


class AudioReportIn(RequestModel):
    """One second of microphone activity, as ``POST /audio`` takes it, its ``seq`` required."""

    seq: Seq
    captured_at: CapturedAt | None = None
    is_silent: StrictBool
    level: Annotated[StrictFloat | StrictInt, Field(ge=0, le=1e6, allow_inf_nan=False)] | None = None


class VerdictBatchIn(RequestModel):
    """The verdicts and audio reports of the last few seconds, each list in increasing ``seq`` order."""

    verdicts: Annotated[list[VerdictIn], Field(max_length=MAX_BATCH)] = []
    audio: Annotated[list[AudioReportIn], Field(max_length=MAX_BATCH)] = []

    @model_validator(mode="after")
    def _ordered(self) -> VerdictBatchIn:
        if not self.verdicts and not self.audio:
            raise ValueError("send at least one verdict or audio report")
        for name, items in (("verdicts", self.verdicts), ("audio", self.audio)):
            seqs = [item.seq for item in items]
            if any(a >= b for a, b in zip(seqs, seqs[1:], strict=False)):
                raise ValueError(f"{name}: each seq once, in increasing order")
        return self


class VerdictResult(BaseModel):
    seq: int
    face_status: FaceStatus
    faces: int
    violations: list[ViolationOut]


class AudioResult(BaseModel):
    seq: int
    violations: list[ViolationOut]


class VerdictBatchResult(BaseModel):
    verdicts: list[VerdictResult] = Field(description="One answer per verdict, in the order sent")
    audio: list[AudioResult] = Field(description="One answer per audio report, in the order sent")
    reveal: list[int] = Field(description="Seqs of verdicts whose JPEG to send to verdicts/{seq}/frame")


class RevealResult(BaseModel):
    seq: int
    status: Literal["agreed", "disagreed", "hash_mismatch"]
    violations: list[ViolationOut]


ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415)


class VerdictsView(SessionView):
    """Judge a batch of the widget's verdicts exactly as frames the service analysed, and its audio reports."""

    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs) -> None:
        check_body_size(request, MAX_BATCH_BYTES)
        super().initial(request, *args, **kwargs)

    @extend_schema(request=VerdictBatchIn, responses={200: VerdictBatchResult, **ERRORS})
    def post(self, request, session_id: UUID) -> Response:
        session = self.get_session(request, session_id)
        check_open(session)
        if session.exam_config().analysis != "device":
            raise WrongAnalysisMode("this exam's frames are analysed by the service: send frames, not verdicts")
        body = VerdictBatchIn.model_validate(request.data)
        verdicts = [
            Verdict(seq=v.seq, captured_at=v.captured_at, sha256=v.sha256, analysis=FrameAnalysis(
                faces=tuple(
                    FaceBox(float(f.x), float(f.y), float(f.width), float(f.height), float(f.score),
                            None if f.yaw_deg is None else float(f.yaw_deg), f.turned)
                    for f in v.faces
                ),
                width=v.width, height=v.height, quality=v.quality,
            ))
            for v in body.verdicts
        ]
        audio = [
            Observed(ObservationKind.AUDIO, AudioSample(a.is_silent, None if a.level is None else float(a.level)),
                     a.seq, a.captured_at)
            for a in body.audio
        ]
        return Response(record_verdicts(session, verdicts, audio))


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
