"""Scoring: totals, the floor at 0, and checks on what a policy returns."""

import pytest

from proctor_core.errors import PluginError
from proctor_core.scoring import build_report
from proctor_core.testing import violation
from proctor_core.types import Penalty, RiskLevel


def test_score_never_below_zero():
    vs = [violation("multiple_faces", at=i) for i in range(12)]
    report = build_report([Penalty(v.id, v.code, 10, "r", "why") for v in vs], vs, policy="flat")
    assert (report.score, report.risk_level) == (0, RiskLevel.RED)


def test_zero_point_rows_are_not_deductions():
    v = violation("silence")
    assert build_report([Penalty(v.id, v.code, 0, "r", "why")], [v], policy="flat").penalties == ()


@pytest.mark.parametrize(("violation_id", "points", "message"), [("other", 5, "unknown violation"),
                                                                  (None, -1, "negative points")])
def test_policy_rows_are_checked(violation_id, points, message):
    v = violation("tab_switch")
    with pytest.raises(PluginError, match=message):
        build_report([Penalty(violation_id or v.id, v.code, points, "r", "why")], [v], policy="odd")
