"""What a candidate reads about a violation or a notice: one plain sentence per record, made here and nowhere else.

The score receipt, the result page, the notices listed in a score report and the built-in policies' reasons all
use :func:`describe` ("No face seen for 6 s") and :func:`sentence` ("No face seen for 6 s at 14:25:27 UTC");
the start page lists an exam's rules with :func:`exam_rules` ("No face seen for more than 5 s: 5 points").
The API keeps the machine codes beside the words; the widget puts the time in the candidate's own time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from proctor_core.types import Violation, ViolationRule, duration

LOST_KINDS = {"frames": "camera frame", "audio": "microphone report", "events": "page event"}
"""The streams an ``observations_lost`` notice counts, and what one item of each is called."""


def _for(detail: Mapping[str, Any], key: str = "lasted_s") -> str:
    value = detail.get(key)
    return f" for {duration(float(value))}" if isinstance(value, (int, float)) and value > 0 else ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _people(detail: Mapping[str, Any]) -> str:
    faces = detail.get("faces")
    return f"{faces} people in view" if isinstance(faces, int) and faces > 1 else "More than one person in view"


def _lost(detail: Mapping[str, Any]) -> str:
    lost = detail.get("lost")
    if not isinstance(lost, Mapping) or not sum(lost.values()):
        return "Some observations could not be delivered and were lost"
    total = sum(lost.values())
    kinds = ", ".join(_count(lost[kind], noun) for kind, noun in LOST_KINDS.items() if lost.get(kind))
    verb = "was" if total == 1 else "were"
    return f"{_count(total, 'observation')} could not be delivered and {verb} lost ({kinds})"


_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "face_missing": lambda d: f"No face seen{_for(d)}",
    "multiple_faces": _people,
    "face_orientation": lambda d: f"Looked away from the screen{_for(d)}",
    "tab_switch": lambda d: "Switched away from the exam tab",
    "silence": lambda d: f"Silence{_for(d)}",
    "monitoring_gap": lambda d: f"No camera image reached the server{_for(d, 'gap_s')}",
    "camera_unavailable": lambda d: "Camera unavailable",
    "microphone_unavailable": lambda d: "Microphone unavailable",
    "permission_revoked": lambda d: "Camera or microphone permission withdrawn",
    "session_resumed": lambda d: "Monitoring page reopened; the session resumed",
    "observations_lost": _lost,
}


def code_label(code: str) -> str:
    """A code without words of its own (a plugin's) spelled out: ``gaze_away`` -> "Gaze away"."""
    return code.replace("_", " ").capitalize()


def describe(code: str, detail: Mapping[str, Any]) -> str:
    """What happened, in words, without the time: e.g. "No face seen for 6 s", "2 people in view"."""
    words = _WORDS.get(code)
    return words(detail) if words else code_label(code)


def clock(at: float) -> str:
    """A POSIX time as the server writes it for people: "14:25:27 UTC"."""
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S UTC")


def sentence(violation: Violation) -> str:
    """What happened and when: "No face seen for 6 s at 14:25:27 UTC"."""
    return f"{describe(violation.code, violation.detail)} at {clock(violation.at)}"


def points_rule(points: float) -> str:
    """A flat penalty's rule in words: "Costs 5 points each time"."""
    return f"Costs {points:g} point{'' if points == 1 else 's'} each time"


NOTICE_RULE = "Notice: no points"
"""What a notice costs, in the receipt's rule column's words."""


def _longer(rule: ViolationRule) -> str:
    return f" for more than {duration(rule.threshold_s)}" if rule.threshold_s > 0 else ""


_RULE_WORDS: dict[str, Callable[[ViolationRule], str]] = {
    "multiple_faces": lambda r: "More than one person in view",
    "tab_switch": lambda r: "Switching away from the exam tab",
    "face_missing": lambda r: f"No face seen{_longer(r)}",
    "face_orientation": lambda r: f"Looking away from the screen{_longer(r)}",
    "silence": lambda r: f"Silence{_longer(r)}",
}


def exam_rules(detectors: Iterable[tuple[str, ViolationRule, float, bool]]) -> tuple[str, ...]:
    """An exam's rules as a candidate reads them before starting, from its enabled detectors (code, rule, points,
    notice): "No face seen for more than 5 s: 5 points"; a notice: "Silence for more than 10 s: noted for the
    reviewer, no points". Costliest first; device and delivery notices are left out: they are not about the
    candidate's conduct."""
    rules = []
    for code, rule, points, notice in detectors:
        words = _RULE_WORDS.get(code)
        free = notice or points <= 0
        if words is None and free:
            continue
        what = words(rule) if words else code_label(code)
        cost = "noted for the reviewer, no points" if free else f"{points:g} point{'' if points == 1 else 's'}"
        rules.append((0.0 if free else points, f"{what}: {cost}"))
    return tuple(text for _, text in sorted(rules, key=lambda rule: -rule[0]))
