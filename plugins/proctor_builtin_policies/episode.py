"""The ``episode`` policy: one deduction per continuous episode of a condition, optionally scaled by its length.

A 12 s absence under the flat policy costs one deduction per cooldown after the threshold (4 × 5 points with the
defaults); here it costs the code's points once. ``per_second`` adds points for each second the episode lasted
beyond its first violation, up to ``max_per_episode``. Episodes are rebuilt from the violations
(:mod:`proctor_core.episodes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from proctor_core.episodes import Episode, episodes
from proctor_core.types import Penalty, Violation
from proctor_core.wording import describe, sentence


class EpisodePenaltyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    per_second: float = Field(
        0.0, ge=0, le=100, description="Extra points per second an episode lasts beyond its first violation"
    )
    max_per_episode: float | None = Field(
        None, ge=0, le=100, description="Most points one episode can cost (default: no limit beyond 100 in all)"
    )


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S")


class EpisodePenaltyPolicy:
    """One deduction per continuous absence, away episode or other condition, optionally scaled by its length."""

    def __init__(self, config: EpisodePenaltyConfig | None = None) -> None:
        self.config = config or EpisodePenaltyConfig()

    def penalties(self, violations: Sequence[Violation], points: Mapping[str, float]) -> list[Penalty]:
        rows = []
        for episode in episodes(violations):
            base = points.get(episode.code, 0.0)
            if base <= 0:
                continue
            extra = self.config.per_second * max(0.0, episode.end - episode.first.at)
            total = base + extra
            if self.config.max_per_episode is not None:
                total = min(total, self.config.max_per_episode)
            total = round(total, 2)
            if total > 0:
                rows.append(Penalty(episode.first.id, episode.code, total, self._rule(base),
                                    self._reason(episode)))
        return rows

    def _rule(self, base: float) -> str:
        text = f"Costs {base:g} point{'' if base == 1 else 's'} once per continuous episode"
        if self.config.per_second > 0:
            text += f", plus {self.config.per_second:g} per second it went on"
            if self.config.max_per_episode is not None:
                text += f", at most {self.config.max_per_episode:g}"
        return text

    @staticmethod
    def _reason(episode: Episode) -> str:
        count = len(episode.violations)
        if count == 1:
            return sentence(episode.first)
        return (
            f"{describe(episode.code, episode.first.detail)} from {_clock(episode.start)} to "
            f"{_clock(episode.end)} UTC ({episode.duration_s:.0f} s, {count} detections counted once)"
        )
