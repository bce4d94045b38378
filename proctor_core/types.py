"""Plain data that crosses the core: frozen dataclasses and the protocols plugins implement.

No ORM object, request or loose dict crosses into the core; the service maps its models to and from these.
Times are POSIX seconds (float).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    from pydantic import BaseModel


# --------------------------------------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------------------------------------


class ObservationKind(StrEnum):
    """The three streams the widget sends; a detector consumes exactly one."""

    FRAME = "frame"
    AUDIO = "audio"
    PAGE = "page"


class PageEventType(StrEnum):
    """Page events the widget reports. Stored and sent as these strings."""

    TAB_HIDDEN = "tab_hidden"
    TAB_VISIBLE = "tab_visible"
    WINDOW_BLUR = "window_blur"
    WINDOW_FOCUS = "window_focus"
    CAMERA_UNAVAILABLE = "camera_unavailable"
    MICROPHONE_UNAVAILABLE = "microphone_unavailable"
    PERMISSION_REVOKED = "permission_revoked"
    SESSION_RESUMED = "session_resumed"
    OBSERVATIONS_LOST = "observations_lost"


class CaptureQuality(StrEnum):
    """Whether a frame is good enough to judge; a poor frame with no face found is "can't tell", not "no face"."""

    OK = "ok"
    TOO_DARK = "too_dark"
    BLURRED = "blurred"


class FaceStatus(StrEnum):
    """The frame verdict returned to the widget (REST ``face_status``)."""

    OK = "ok"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    TURNED_AWAY = "turned_away"
    UNCLEAR = "unclear"


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded image: BGR ``uint8`` pixels, H x W x 3. ``scale`` maps its pixels back to the sent image's."""

    pixels: np.ndarray
    source_width: int
    source_height: int
    scale: float = 1.0

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One face, in the coordinates of the image as sent.

    ``yaw_deg`` is the estimated head turn (negative: to the subject's right) when the finder estimates pose,
    ``turned`` its verdict against the finder's own threshold; both are ``None`` when unknown.
    """

    x: float
    y: float
    width: float
    height: float
    score: float
    yaw_deg: float | None = None
    turned: bool | None = None


@dataclass(frozen=True, slots=True)
class FrameAnalysis:
    """What the face finder saw in one frame; shared by every frame detector."""

    faces: tuple[FaceBox, ...]
    width: int
    height: int
    quality: CaptureQuality = CaptureQuality.OK

    @property
    def face_count(self) -> int:
        return len(self.faces)

    @property
    def face_status(self) -> FaceStatus:
        if not self.faces:
            return FaceStatus.NO_FACE if self.quality is CaptureQuality.OK else FaceStatus.UNCLEAR
        if len(self.faces) > 1:
            return FaceStatus.MULTIPLE_FACES
        return FaceStatus.TURNED_AWAY if self.faces[0].turned else FaceStatus.OK


@dataclass(frozen=True, slots=True)
class AudioSample:
    """One second of microphone activity, reduced in the browser to a flag (no audio leaves the browser)."""

    is_silent: bool
    level: float | None = None


@dataclass(frozen=True, slots=True)
class PageEvent:
    """A page event: tab hidden/visible, window blur/focus, or a device notice.

    ``lost`` counts, for the notice ``observations_lost``, what the widget gave up per stream (``frames``,
    ``audio``, ``events``); empty when it does not say.
    """

    type: PageEventType
    lost: Mapping[str, int] = field(default_factory=dict)


ObservationData = FrameAnalysis | AudioSample | PageEvent


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation as a detector sees it.

    ``at`` is the time it is judged at (the client's capture time, bounded by the engine);
    ``since_previous_s`` the time since the previous observation of the same kind in this session (``None``
    for the first one).
    """

    kind: ObservationKind
    at: float
    data: ObservationData
    since_previous_s: float | None = None


# --------------------------------------------------------------------------------------------------------------------
# Detection and violations
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signal:
    """A detector's verdict on one observation: is its condition present now, and why."""

    active: bool
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ViolationRule:
    """How the engine turns a detector's signals into violations.

    - ``threshold_s``: the condition must have lasted more than this long, measured from the last observation
      where it was absent (or the first observation of its stream); 0 means at once.
    - ``cooldown_s``: after a violation, none of the same code again within this many seconds.
    - ``episode_merge_s``: if set, the rule counts episodes: one violation when the condition starts, none while
      it lasts, and a new start within this many seconds of the last active signal belongs to the same episode.
    """

    threshold_s: float = 0.0
    cooldown_s: float = 0.0
    episode_merge_s: float | None = None

    def describe(self) -> str:
        """The rule in words, for score receipts: e.g. "condition longer than 5 s; not again within 2 s"."""
        if self.episode_merge_s is not None:
            text = f"once per episode (signals within {self.episode_merge_s:g} s count once)"
        elif self.threshold_s > 0:
            text = f"condition longer than {self.threshold_s:g} s"
        else:
            text = "at once"
        if self.cooldown_s > 0:
            text += f"; not again within {self.cooldown_s:g} s"
        return text

    def to_json(self) -> dict[str, float | None]:
        return {"threshold_s": self.threshold_s, "cooldown_s": self.cooldown_s, "episode_merge_s": self.episode_merge_s}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ViolationRule:
        return cls(
            threshold_s=float(data.get("threshold_s", 0.0)),
            cooldown_s=float(data.get("cooldown_s", 0.0)),
            episode_merge_s=None if data.get("episode_merge_s") is None else float(data["episode_merge_s"]),
        )


@dataclass(frozen=True, slots=True)
class Violation:
    """A recorded violation or notice. ``code`` is the detector's name; ``at`` is the judged time."""

    code: str
    at: float
    rule: ViolationRule
    detail: Mapping[str, Any] = field(default_factory=dict)
    notice: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "at": self.at,
            "rule": self.rule.to_json(),
            "detail": dict(self.detail),
            "notice": self.notice,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Violation:
        return cls(
            id=str(data["id"]),
            code=str(data["code"]),
            at=float(data["at"]),
            rule=ViolationRule.from_json(data.get("rule", {})),
            detail=dict(data.get("detail", {})),
            notice=bool(data.get("notice", False)),
        )


@dataclass(frozen=True, slots=True)
class DetectorFailure:
    """A detector raised (or returned something other than a ``Signal`` or ``None``).

    Returned in the observation's outcome, which the service logs as a warning naming the detector and the
    session; never stored, never a violation, never stopping the other detectors.
    """

    detector: str
    error: str


# --------------------------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------------------------


class RiskLevel(StrEnum):
    """Risk band of a score: green > 85, yellow > 50, red <= 50."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Penalty:
    """One explained deduction: which violation, under which rule, how many points, and why in words."""

    violation_id: str
    code: str
    points: float
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One line of the candidate's receipt, in words: a deduction (``notice`` false) or a notice (no points).

    ``description`` says what happened without the time ("No face seen for 6 s"; :mod:`proctor_core.wording`),
    ``at`` is when, so that a reader can show it in its own time zone; ``rule`` says what it costs in words.
    """

    code: str
    at: float
    description: str
    rule: str
    points: float
    notice: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "at": self.at,
            "description": self.description,
            "rule": self.rule,
            "points": self.points,
            "notice": self.notice,
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a session was really watched.

    ``monitored_s`` runs from the first observation of any stream (or the session start, if none came) to the end.
    ``camera_s`` and ``microphone_s`` are the seconds covered by a working device: between two usable frames (or
    two audio reports) no more than the exam's ``coverage.max_gap_s`` apart. ``gaps`` and ``longest_gap_s`` count
    the camera's longer silences, including those at the start and the end of the monitored time.
    ``camera_frames`` and ``microphone_reports`` count the working observations (0: the device never worked).
    """

    monitored_s: float
    camera_s: float
    microphone_s: float
    gaps: int
    longest_gap_s: float
    camera_frames: int = 0
    microphone_reports: int = 0

    @property
    def camera_share(self) -> float:
        return _share(self.camera_s, self.monitored_s)

    @property
    def microphone_share(self) -> float:
        return _share(self.microphone_s, self.monitored_s)

    def summary(self) -> str:
        """In words, e.g. "camera 92%, microphone 100% of 12 min 5 s monitored; 1 gap, the longest 14 s"."""
        text = (
            f"camera {self.camera_share:.0%}, microphone {self.microphone_share:.0%} of "
            f"{duration(self.monitored_s)} monitored; "
        )
        if not self.gaps:
            return text + "no gap"
        return text + f"{self.gaps} gap{'s' if self.gaps > 1 else ''}, the longest {duration(self.longest_gap_s)}"

    def to_json(self) -> dict[str, float | int | str]:
        return {
            "summary": self.summary(),
            "monitored_s": round(self.monitored_s, 3),
            "camera_s": round(self.camera_s, 3),
            "camera_share": round(self.camera_share, 4),
            "microphone_s": round(self.microphone_s, 3),
            "microphone_share": round(self.microphone_share, 4),
            "gaps": self.gaps,
            "longest_gap_s": round(self.longest_gap_s, 3),
            "camera_frames": self.camera_frames,
            "microphone_reports": self.microphone_reports,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Coverage:
        return cls(
            monitored_s=float(data["monitored_s"]),
            camera_s=float(data["camera_s"]),
            microphone_s=float(data["microphone_s"]),
            gaps=int(data["gaps"]),
            longest_gap_s=float(data["longest_gap_s"]),
            camera_frames=int(data.get("camera_frames", 0)),
            microphone_reports=int(data.get("microphone_reports", 0)),
        )


def duration(seconds: float) -> str:
    """Seconds in words: "45 s", "12 min 5 s", "1 h 3 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _share(covered: float, monitored: float) -> float:
    if monitored <= 0:
        return 1.0 if covered > 0 else 0.0
    return min(1.0, covered / monitored)


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """The result of a session: score 0-100, band, the penalties that explain it, and how well it was watched.

    ``review_reasons`` says in words why a reviewer should look at the session (e.g. the camera covered too little
    of it); such a session is never green. ``notices`` describes each recorded notice in words (0 points).
    ``receipt`` is what the candidate's receipt lists: each deduction, then each notice, in words.
    """

    score: float
    risk_level: RiskLevel
    penalties: tuple[Penalty, ...]
    policy: str
    coverage: Coverage | None = None
    review_reasons: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    receipt: tuple[ReceiptLine, ...] = ()

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "risk_level": self.risk_level.value,
            "policy": self.policy,
            "penalties": [
                {"violation_id": p.violation_id, "code": p.code, "points": p.points, "rule": p.rule, "reason": p.reason}
                for p in self.penalties
            ],
            "coverage": None if self.coverage is None else self.coverage.to_json(),
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "notices": list(self.notices),
            "receipt": [line.to_json() for line in self.receipt],
        }


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Identity of a session, as passed to notification hooks (no ORM object)."""

    id: str
    exam: str
    started_at: float
    ended_at: float | None = None
    context: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------------------
# Plugin protocols and records
# --------------------------------------------------------------------------------------------------------------------


@runtime_checkable
class Detector(Protocol):
    """A stateless function of one observation. Return ``None`` when the observation says nothing about it."""

    def observe(self, observation: Observation) -> Signal | None: ...


@runtime_checkable
class PenaltyPolicy(Protocol):
    """Turns a session's violations into explained penalty rows.

    ``points`` maps each violation code to its configured points for this exam.
    """

    def penalties(self, violations: Sequence[Violation], points: Mapping[str, float]) -> list[Penalty]: ...


@runtime_checkable
class FaceFinder(Protocol):
    """Finds faces in a decoded frame. One per process, shared by every frame detector."""

    name: str

    def find(self, frame: Frame) -> FrameAnalysis: ...


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """Registration record of a detector; ``name`` is the violation code it produces.

    ``factory(config)`` builds the detector from a validated instance of ``config_model`` (or ``None``).
    """

    name: str
    consumes: ObservationKind
    factory: Callable[[Any], Detector]
    default_rule: ViolationRule = ViolationRule()
    default_points: float = 0.0
    config_model: type[BaseModel] | None = None
    notice: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """Registration record of a penalty policy; ``factory(config)`` builds it from a ``config_model`` instance."""

    name: str
    factory: Callable[[Any], PenaltyPolicy]
    config_model: type[BaseModel] | None = None
    description: str = ""
