"""Episodes: the continuous stretches of one condition, rebuilt from the violations the engine recorded.

The engine keeps no per-second history; it records violations, and a threshold rule's violation carries
``lasted_s``, how long the condition had lasted since it was last absent. A continuous absence therefore yields
violations (one per cooldown) that all point back to the same start, ``at - lasted_s``: they are one episode.
Violations without ``lasted_s`` (an "at once" rule, e.g. ``multiple_faces``) belong to one episode while each
follows the previous one of its code within the rule's cooldown (or episode merge window) plus :data:`SLACK_S`.

An episode's end is its last violation's time: the condition may have lasted up to one cooldown longer, and an
episode shorter than the rule's threshold left no violation at all. docs/review.md says what this means for the
timeline and for the ``episode`` penalty policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from proctor_core.types import Violation

SAME_START_S = 0.5
"""Two threshold violations whose computed starts differ by less than this belong to one episode."""
SLACK_S = 1.5
"""Extra time allowed between "at once" violations of one episode (frames arrive about once a second)."""


@dataclass(frozen=True, slots=True)
class Episode:
    """One continuous stretch of a condition: its code, start, end (last violation) and violations."""

    code: str
    start: float
    end: float
    violations: tuple[Violation, ...]

    @property
    def first(self) -> Violation:
        return self.violations[0]

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end - self.start)


def condition_start(violation: Violation) -> float:
    """When the condition behind a violation began: ``at - lasted_s`` for threshold rules, else ``at``."""
    lasted = violation.detail.get("lasted_s")
    if isinstance(lasted, (int, float)) and not isinstance(lasted, bool) and lasted >= 0:
        return violation.at - float(lasted)
    return violation.at


def _continues(episode: Episode, violation: Violation) -> bool:
    if "lasted_s" in violation.detail and "lasted_s" in episode.first.detail:
        return abs(condition_start(violation) - episode.start) <= SAME_START_S
    rule = violation.rule
    if rule.episode_merge_s is not None:
        return False  # the engine already counted these episodes: each violation starts one
    return violation.at - episode.end <= rule.cooldown_s + SLACK_S


def episodes(violations: Iterable[Violation]) -> list[Episode]:
    """The episodes of these violations, ordered by start; every violation is in exactly one."""
    open_by_code: dict[str, Episode] = {}
    closed: list[Episode] = []
    for v in sorted(violations, key=lambda v: (v.at, v.id)):
        current = open_by_code.get(v.code)
        if current is not None and _continues(current, v):
            open_by_code[v.code] = Episode(v.code, current.start, v.at, current.violations + (v,))
            continue
        if current is not None:
            closed.append(current)
        open_by_code[v.code] = Episode(v.code, condition_start(v), v.at, (v,))
    closed.extend(open_by_code.values())
    return sorted(closed, key=lambda e: (e.start, e.code))
