"""From explained penalty rows to a score report: score = max(0, 100 - sum of points), and its risk band.

The exam's coverage rule then decides whether the session was watched enough: if not, the band is capped at
yellow and the report says why in words (``review_reasons``). Notices are described in words too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from proctor_core.config import CoverageRule
from proctor_core.errors import PluginError
from proctor_core.types import Coverage, Penalty, RiskLevel, ScoreReport, Violation, duration

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


def _lasted(detail: Mapping[str, Any], key: str = "lasted_s") -> str:
    value = detail.get(key)
    return f" for {duration(float(value))}" if isinstance(value, (int, float)) else ""


_NOTICE_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "silence": lambda d: f"Microphone silent{_lasted(d)}",
    "monitoring_gap": lambda d: f"No camera image reached the server{_lasted(d, 'gap_s')}",
    "camera_unavailable": lambda d: "Camera unavailable",
    "microphone_unavailable": lambda d: "Microphone unavailable",
    "permission_revoked": lambda d: "Camera or microphone permission withdrawn",
    "session_resumed": lambda d: "Monitoring page reopened; the session resumed",
    "observations_lost": lambda d: "Some observations could not be delivered and were lost",
    "face_missing": lambda d: f"Face out of view{_lasted(d)}",
    "face_orientation": lambda d: f"Looked away from the screen{_lasted(d)}",
    "multiple_faces": lambda d: "More than one face in view",
    "tab_switch": lambda d: "Left the exam page",
}


def code_label(code: str) -> str:
    """A violation code in words, as the receipt shows it: ``tab_switch`` -> "Tab switch" (the widget's
    ``codeLabel``)."""
    return code.replace("_", " ").capitalize()


RECEIPT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "What"),
    ("reason", "Reason"),
    ("rule", "Rule"),
    ("points", "Points"),
)
"""The receipt's deduction table, drawn by the widget (``widget/src/ui/receipt.js``) and the result page alike:
each column's :class:`Penalty` field and heading, in order. A test holds the widget to it."""


def receipt_row(penalty: Penalty) -> tuple[str, ...]:
    """One deduction as the receipt shows it, cell by cell in :data:`RECEIPT_COLUMNS` order."""
    cells = {
        "code": code_label(penalty.code),
        "reason": penalty.reason,
        "rule": penalty.rule,
        "points": f"\N{MINUS SIGN}{round(penalty.points, 2):g}",
    }
    return tuple(cells[field] for field, _ in RECEIPT_COLUMNS)


def describe_notice(violation: Violation) -> str:
    """A notice in words, e.g. "Microphone silent for 12 s at 14:25:27 UTC (notice, no points)"."""
    words = _NOTICE_WORDS.get(violation.code)
    what = words(violation.detail) if words else code_label(violation.code)
    when = datetime.fromtimestamp(violation.at, UTC).strftime("%H:%M:%S UTC")
    return f"{what} at {when} (notice, no points)"
