"""The integrity score report a session ends with, and its parts: penalties, receipt lines, monitoring coverage.

Plain frozen data like :mod:`proctor_core.types`, which re-exports every public name here: plugins import them there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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
