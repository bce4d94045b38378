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

# The score report's types live in proctor_core.reports; plugins and the service import them from here.
from proctor_core.reports import Coverage as Coverage
from proctor_core.reports import Penalty as Penalty
from proctor_core.reports import ReceiptLine as ReceiptLine
from proctor_core.reports import RiskLevel as RiskLevel
from proctor_core.reports import ScoreReport as ScoreReport
from proctor_core.reports import SessionInfo as SessionInfo
from proctor_core.reports import duration as duration

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
