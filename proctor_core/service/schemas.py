"""Pydantic models of the REST API's request and response bodies (DESIGN §7).

Requests are validated strictly: a number where text is expected (or ``"true"`` where a boolean is) is an error,
not a guess, and unknown fields are refused. The OpenAPI schema is generated from these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from proctor_core.types import FaceStatus, PageEventType, RiskLevel

MAX_SEQ = 2**53 - 1
MAX_TIMESTAMP = 253_402_300_799
"""9999-12-31T23:59:59Z: the last second a datetime (and the databases) can hold."""


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("not a valid email address") from exc
    return value


Seq = Annotated[StrictInt, Field(ge=0, le=MAX_SEQ, description="Per-stream sequence number; a retry repeats it")]
CapturedAt = Annotated[
    StrictFloat | StrictInt,
    Field(
        gt=0,
        le=MAX_TIMESTAMP,
        allow_inf_nan=False,
        description="Client capture time, POSIX seconds (JavaScript Date.now() / 1000), at most year 9999",
    ),
]


def no_nul(value: Any) -> Any:
    """Text with a NUL character is refused: PostgreSQL cannot store it, and no name or address holds one."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    _no_nul = field_validator("*", mode="before")(no_nul)


class SessionCreate(RequestModel):
    """Open a stand-alone session."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    email: Annotated[StrictStr, Field(min_length=3, max_length=254), AfterValidator(_email)]
    exam: Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")] | None = Field(
        None, description="Exam slug; the service's default exam when omitted"
    )


class FrameIn(RequestModel):
    """A webcam frame as JSON; the same frame may instead be sent as a raw ``image/jpeg`` body."""

    image: Annotated[StrictStr, Field(min_length=1, description="Base64 JPEG/PNG, or a data:image/...;base64, URL")]
    seq: Seq | None = None
    captured_at: CapturedAt | None = None


class FrameQuery(RequestModel):
    """``seq`` and ``captured_at`` of a raw-body frame, from the query string."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)] | None = None
    captured_at: Annotated[float, Field(gt=0, le=MAX_TIMESTAMP, allow_inf_nan=False)] | None = None


class AudioIn(RequestModel):
    """One second of microphone activity, reduced in the browser to a flag."""

    is_silent: StrictBool
    level: Annotated[StrictFloat | StrictInt, Field(ge=0, le=1e6, allow_inf_nan=False)] | None = None
    seq: Seq | None = None
    captured_at: CapturedAt | None = None


LostCount = Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class LostIn(RequestModel):
    """What the widget gave up, per stream."""

    frames: LostCount = 0
    audio: LostCount = 0
    events: LostCount = 0


class EventIn(RequestModel):
    """A page event or a device notice."""

    type: PageEventType
    seq: Seq | None = None
    captured_at: CapturedAt | None = None
    lost: LostIn | None = Field(
        None, description="observations_lost only: how many observations of each stream the widget gave up"
    )

    @model_validator(mode="after")
    def _lost_only_with_its_notice(self) -> EventIn:
        if self.lost is not None and self.type is not PageEventType.OBSERVATIONS_LOST:
            raise ValueError("lost is allowed only with type observations_lost")
        return self


# -- responses ---------------------------------------------------------------------------------------------------------


class ViolationOut(BaseModel):
    id: str
    code: str
    at: datetime = Field(description="When it happened (the capture time, bounded by the server)")
    captured_at: datetime | None = Field(None, description="The client's clock for the observation")
    notice: bool = Field(description="A notice is recorded for reviewers and carries no points by default")
    rule: str = Field(description="The rule that fired, in words")
    detail: dict[str, Any]
    evidence_url: str | None = None


class FrameResult(BaseModel):
    face_status: FaceStatus
    faces: int
    violations: list[ViolationOut]


class ObservationResult(BaseModel):
    violations: list[ViolationOut]


class SessionCreated(BaseModel):
    id: str
    token: str = Field(description="Bearer token of this session only; shown once")
    config: dict[str, Any] = Field(description="The exam configuration the session runs with")
    expires_at: datetime


class PenaltyOut(BaseModel):
    violation_id: str
    code: str
    points: float
    rule: str
    reason: str


class ReceiptLineOut(BaseModel):
    """One line of the candidate's receipt, in words (the codes stay in ``penalties`` and the violation list)."""

    code: str
    at: datetime = Field(description="When it happened; readers show it in their own time zone")
    description: str = Field(description='What happened, without the time, e.g. "No face seen for 6 s"')
    rule: str = Field(description='What it costs, e.g. "Costs 5 points each time"; "Notice: no points"')
    points: float
    notice: bool = Field(description="A notice: recorded for the reviewer, no points")


class CoverageOut(BaseModel):
    summary: str = Field(description='In words, e.g. "camera 92%, microphone 100% of 12 min 5 s monitored; no gap"')
    monitored_s: float = Field(description="Seconds from the first observation (or the start) to the end")
    camera_s: float = Field(description="Seconds covered by usable frames from a working camera")
    camera_share: float = Field(description="camera_s / monitored_s, 0-1")
    microphone_s: float = Field(description="Seconds covered by audio reports from a working microphone")
    microphone_share: float = Field(description="microphone_s / monitored_s, 0-1")
    gaps: int = Field(description="Camera gaps longer than the exam's coverage.max_gap_s")
    longest_gap_s: float
    camera_frames: int = Field(description="Usable frames received; 0: the camera never worked")
    microphone_reports: int = Field(description="Audio reports received; 0: the microphone never worked")


class ScoreOut(BaseModel):
    score: float
    risk_level: RiskLevel
    policy: str
    penalties: list[PenaltyOut]
    coverage: CoverageOut | None = None
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list, description="Why a reviewer should look, in words")
    notices: list[str] = Field(default_factory=list, description="Each notice in words (no points)")
    receipt: list[ReceiptLineOut] = Field(
        default_factory=list, description="What the candidate's receipt lists: each deduction, then each notice"
    )


class SessionDetail(BaseModel):
    id: str
    exam: str
    exam_title: str
    active: bool
    started_at: datetime
    monitoring_started_at: datetime | None = Field(
        description="When the candidate consented and passed the device check; null before"
    )
    ended_at: datetime | None
    expires_at: datetime
    counts: dict[str, int] = Field(description="Recorded violations and notices per code")
    analysis: str = Field("server", description="Where faces are found: 'server' or 'device' (on-device analysis)")
    score: float | None
    risk_level: RiskLevel | None
    penalties: list[PenaltyOut] | None
    coverage: CoverageOut | None = Field(None, description="So far while active; as scored once ended")
    needs_review: bool | None = None
    review_reasons: list[str] | None = None
    notices: list[str] | None = None
    receipt: list[ReceiptLineOut] | None = None
    result_url: str = Field(description="The candidate's result page (its key reads this session's result only)")


class ViolationList(BaseModel):
    violations: list[ViolationOut]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorDetail
