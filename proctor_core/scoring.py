"""From explained penalty rows to a score report: score = max(0, 100 - sum of points), and its risk band.

The exam's coverage rule then decides whether the session was watched enough: if not, the band is capped at
yellow and the report says why in words (``review_reasons``). Notices and the receipt are in words too
(:mod:`proctor_core.wording`).
"""

from __future__ import annotations

from collections.abc import Sequence

from proctor_core.config import CoverageRule
from proctor_core.errors import PluginError
from proctor_core.types import Coverage, Penalty, ReceiptLine, RiskLevel, ScoreReport, Violation, duration
from proctor_core.wording import NOTICE_RULE, describe, sentence

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


def build_report(
    penalties: Sequence[Penalty],
    violations: Sequence[Violation],
    *,
    policy: str,
    coverage: Coverage | None = None,
    rule: CoverageRule | None = None,
) -> ScoreReport:
    """Check a policy's rows against the violations it was given, total them, and apply the coverage rule.

    :raises PluginError: a row names a violation the policy was not given or a notice, or has negative points.
    """
    known = {v.id: v for v in violations}
    for row in penalties:
        if row.violation_id not in known:
            raise PluginError(f"policy {policy!r} returned a penalty for unknown violation {row.violation_id!r}")
        if row.points < 0:
            raise PluginError(f"policy {policy!r} returned negative points for violation {row.violation_id!r}")
        if row.points > 0 and known[row.violation_id].notice:
            raise PluginError(f"policy {policy!r} charged points for notice {row.violation_id!r}")
    kept = tuple(row for row in penalties if row.points > 0)
    score = max(0.0, MAX_SCORE - sum(row.points for row in kept))
    score = round(score, 2)
    reasons = coverage_reasons(coverage, rule) if coverage is not None and rule is not None else ()
    band = risk_level(score)
    if reasons and band is RiskLevel.GREEN:
        band = RiskLevel.YELLOW
    return ScoreReport(
        score=score,
        risk_level=band,
        penalties=kept,
        policy=policy,
        coverage=coverage,
        review_reasons=reasons,
        notices=tuple(describe_notice(v) for v in violations if v.notice),
        receipt=receipt_lines(kept, violations),
    )


def coverage_reasons(coverage: Coverage, rule: CoverageRule) -> tuple[str, ...]:
    """Why the session needs review under the exam's coverage rule, in words; empty when it was watched enough."""
    reasons = []
    for device, count, share, minimum in (
        ("camera", coverage.camera_frames, coverage.camera_share, rule.min_camera_coverage),
        ("microphone", coverage.microphone_reports, coverage.microphone_share, rule.min_microphone_coverage),
    ):
        if minimum <= 0:
            continue
        if not count:
            reasons.append(
                f"The {device} never worked during the {duration(coverage.monitored_s)} monitored, "
                f"so nothing could be seen or heard through it."
            )
        elif share < minimum:
            reasons.append(
                f"The {device} covered {share:.0%} of the {duration(coverage.monitored_s)} monitored; "
                f"this exam requires {minimum:.0%}."
            )
    return tuple(reasons)


def receipt_lines(penalties: Sequence[Penalty], violations: Sequence[Violation]) -> tuple[ReceiptLine, ...]:
    """The receipt in words: each deduction (described by the violation it charges), then each notice, in time
    order. The rule says what a deduction costs; a notice costs nothing."""
    known = {v.id: v for v in violations}
    charged = [
        ReceiptLine(v.code, v.at, describe(v.code, v.detail), row.rule, row.points, notice=False)
        for row in penalties
        if (v := known.get(row.violation_id)) is not None
    ]
    noticed = [
        ReceiptLine(v.code, v.at, describe(v.code, v.detail), NOTICE_RULE, 0.0, notice=True)
        for v in violations
        if v.notice
    ]
    return tuple(sorted(charged, key=lambda line: line.at)) + tuple(sorted(noticed, key=lambda line: line.at))


def describe_notice(violation: Violation) -> str:
    """A notice in words, e.g. "Silence for 12 s at 14:25:27 UTC (notice, no points)"."""
    return f"{sentence(violation)} (notice, no points)"
