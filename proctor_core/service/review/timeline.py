"""The session timeline: per second, what the camera, microphone and page showed, rebuilt from stored data.

Nothing new is recorded per frame. The engine's state keeps when each stream (frames, audio, page events) began
and last reported; the violations carry when they were judged and, for threshold rules, how long the condition
had lasted (:mod:`proctor_core.episodes`). From those, each second of the sitting gets one state per lane:

- face: ``ok`` while frames arrived, ``none`` / ``several`` / ``turned`` during those episodes, ``unknown`` before
  the first frame, after the last, and inside monitoring gaps;
- audio: ``active`` while audio samples arrived, ``silent`` during silence episodes, ``unavailable`` otherwise;
- page: ``away`` from each tab switch for one second (the return is not stored);
- gaps: ``gap`` over each ``monitoring_gap`` (offline or no frames);
- devices: ``problem`` at camera, microphone and permission notices.

An episode shorter than its rule's threshold left no violation and shows as ``ok``; an episode's end is its last
violation (it may have lasted up to one cooldown longer). docs/review.md explains this to reviewers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from proctor_core.episodes import Episode, episodes
from proctor_core.types import Violation

WIDTH = 960
"""Width of the drawing area in SVG user units."""
MAX_SECONDS = 6 * 3600
"""Longer sittings are drawn up to this many seconds."""
DEVICE_CODES = frozenset({"camera_unavailable", "microphone_unavailable", "permission_revoked"})
FACE_CODES = {"multiple_faces": "several", "face_missing": "none", "face_orientation": "turned"}
FACE_RANK = {"ok": 0, "unknown": 1, "turned": 2, "none": 3, "several": 4}


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    state: str
    title: str


@dataclass(frozen=True)
class Lane:
    name: str
    segments: tuple[Segment, ...]
    states: tuple[str, ...]
    """One state per second of the sitting."""


@dataclass(frozen=True)
class Mark:
    x: float
    violation_id: str
    code: str
    state: str
    title: str


@dataclass(frozen=True)
class Timeline:
    seconds: int
    lanes: tuple[Lane, ...]
    marks: tuple[Mark, ...]
    ticks: tuple[tuple[float, str], ...]
    width: int = WIDTH

    def lane(self, name: str) -> Lane:
        return next(item for item in self.lanes if item.name == name)


def _fill(states: list[str], start: float, end: float, origin: float, value: str, *, rank=None) -> None:
    first = max(0, int(start - origin))
    last = min(len(states), int(end - origin) + 1)
    for second in range(first, last):
        if rank is None or rank[value] >= rank[states[second]]:
            states[second] = value


def _runs(states: Sequence[str], seconds: int, lane: str) -> tuple[Segment, ...]:
    scale = WIDTH / seconds
    runs, start = [], 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            title = f"{lane} {states[start]}: {_mmss(start)}–{_mmss(i)}"
            runs.append(Segment(round(start * scale, 2), round((i - start) * scale, 2), states[start], title))
            start = i
    return tuple(runs)


def _mmss(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def _stream(engine_state: Mapping, kind: str) -> tuple[float, float] | None:
    streams = engine_state.get("streams") if isinstance(engine_state, Mapping) else None
    stream = streams.get(kind) if isinstance(streams, Mapping) else None
    if stream is None:
        return None
    try:
        return float(stream["first_at"]), float(stream["last_at"])
    except (TypeError, KeyError, ValueError):
        return None


def build_timeline(
    *, started_at: float, ended_at: float, engine_state: Mapping, violations: Iterable[Violation],
    decisions: Mapping[str, str],
) -> Timeline:
    """The timeline of one sitting from ``started_at`` to ``ended_at`` (POSIX seconds)."""
    violations = sorted(violations, key=lambda v: (v.at, v.id))
    last = max([ended_at, *(v.at for v in violations)])
    seconds = max(1, min(MAX_SECONDS, int(last - started_at) + 1))
    grouped: list[Episode] = episodes(violations)

    face = ["unknown"] * seconds
    if (frames := _stream(engine_state, "frame")) is not None:
        _fill(face, frames[0], frames[1], started_at, "ok")
    audio = ["unavailable"] * seconds
    if (samples := _stream(engine_state, "audio")) is not None:
        _fill(audio, samples[0], samples[1], started_at, "active")
    page, gaps, devices = ["here"] * seconds, ["watched"] * seconds, ["fine"] * seconds
    if frames is None:
        gaps = ["no frames"] * seconds

    for episode in grouped:
        if episode.code in FACE_CODES:
            _fill(face, episode.start, episode.end, started_at, FACE_CODES[episode.code], rank=FACE_RANK)
        elif episode.code == "silence":
            _fill(audio, episode.start, episode.end, started_at, "silent")
    for v in violations:
        if v.code == "monitoring_gap":
            gap = v.detail.get("gap_s")
            begin = v.at - float(gap) if isinstance(gap, (int, float)) and gap > 0 else v.at
            _fill(gaps, begin, v.at, started_at, "gap")
            _fill(face, begin, v.at, started_at, "unknown", rank={**FACE_RANK, "unknown": 9, "ok": 0})
        elif v.code == "tab_switch":
            _fill(page, v.at, v.at, started_at, "away")
        elif v.code in DEVICE_CODES:
            _fill(devices, v.at, v.at, started_at, "problem")
            if v.code == "microphone_unavailable":
                _fill(audio, v.at, last, started_at, "unavailable")

    scale = WIDTH / seconds
    marks = tuple(
        Mark(
            x=round(min(seconds, max(0.0, v.at - started_at)) * scale, 2),
            violation_id=v.id,
            code=v.code,
            state=decisions.get(v.id, "notice" if v.notice else "pending"),
            title=f"{v.code} at {datetime.fromtimestamp(v.at, UTC):%H:%M:%S} UTC ({_mmss(v.at - started_at)})",
        )
        for v in violations
        if v.at - started_at <= seconds
    )
    step = next((s for s in (10, 30, 60, 300, 600, 1800, 3600) if seconds / s <= 10), 3600)
    ticks = tuple((round(t * scale, 2), _mmss(t)) for t in range(0, seconds + 1, step))
    lanes = tuple(
        Lane(name, _runs(states, seconds, name), tuple(states))
        for name, states in (("face", face), ("audio", audio), ("page", page), ("gaps", gaps), ("devices", devices))
    )
    return Timeline(seconds=seconds, lanes=lanes, marks=marks, ticks=ticks)
