"""Penalty policies: each violation costs its code's points; ``capped`` limits the total per code."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from proctor_core.types import Penalty, Violation
from proctor_core.wording import points_rule, sentence


class FlatPenaltyPolicy:
    """Every violation costs its code's points (the original interview monitor's scoring)."""

    def __init__(self, config: None = None) -> None:
        self.config = config

    def penalties(self, violations: Sequence[Violation], points: Mapping[str, float]) -> list[Penalty]:
        rows = []
        for v in violations:
            each = points.get(v.code, 0.0)
            if each > 0:
                rows.append(Penalty(v.id, v.code, each, points_rule(each), sentence(v)))
        return rows


class CappedPenaltyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cap_per_code: float = Field(20.0, ge=0, le=100, description="Most points one violation code can cost")
    caps: dict[str, float] = Field(default_factory=dict, description="Per-code caps overriding cap_per_code")


class CappedPenaltyPolicy:
    """Each violation costs its code's points, but one code never costs more than its cap in a session."""

    def __init__(self, config: CappedPenaltyConfig) -> None:
        self.config = config

    def penalties(self, violations: Sequence[Violation], points: Mapping[str, float]) -> list[Penalty]:
        spent: dict[str, float] = defaultdict(float)
        rows = []
        for v in violations:
            cap = self.config.caps.get(v.code, self.config.cap_per_code)
            each = min(points.get(v.code, 0.0), cap - spent[v.code])
            if each <= 0:
                continue
            spent[v.code] += each
            rows.append(
                Penalty(v.id, v.code, each, f"{points_rule(points[v.code])}, at most {cap:g} in all", sentence(v))
            )
        return rows
