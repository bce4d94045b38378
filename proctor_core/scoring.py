"""From explained penalty rows to a score report: score = max(0, 100 - sum of points), and its risk band."""

from __future__ import annotations

from collections.abc import Sequence

from proctor_core.errors import PluginError
from proctor_core.types import Penalty, RiskLevel, ScoreReport, Violation

MAX_SCORE = 100.0
GREEN_ABOVE = 85.0
YELLOW_ABOVE = 50.0


def risk_level(score: float) -> RiskLevel:
    """Green above 85, yellow above 50, red at 50 or below."""
    if score > GREEN_ABOVE:
        return RiskLevel.GREEN
    if score > YELLOW_ABOVE:
        return RiskLevel.YELLOW
    return RiskLevel.RED


def build_report(penalties: Sequence[Penalty], violations: Sequence[Violation], *, policy: str) -> ScoreReport:
    """Check a policy's rows against the violations it was given, then total them.

    :raises PluginError: a row names a violation the policy was not given, or has negative points.
    """
    known = {v.id for v in violations}
    for row in penalties:
        if row.violation_id not in known:
            raise PluginError(f"policy {policy!r} returned a penalty for unknown violation {row.violation_id!r}")
        if row.points < 0:
            raise PluginError(f"policy {policy!r} returned negative points for violation {row.violation_id!r}")
    kept = tuple(row for row in penalties if row.points > 0)
    score = max(0.0, MAX_SCORE - sum(row.points for row in kept))
    score = round(score, 2)
    return ScoreReport(score=score, risk_level=risk_level(score), penalties=kept, policy=policy)
