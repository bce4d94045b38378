"""Adjudication: a reviewer confirms or dismisses violations with a reason, and the session is re-scored.

Re-scoring runs the exam's policy (as configured when the session opened) over the violations not dismissed,
saves the new report, and fires ``proctor_session_scored`` again in the same transaction, so in LMS mode the grade
outbox queues the new score with a fresh timestamp (``lms_adapter.grades.record``) and delivers it after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from proctor_core.errors import ProctorError
from proctor_core.service.api import locked_session, session_info
from proctor_core.service.apps import service_config
from proctor_core.service.engines import engine_for, now
from proctor_core.service.models import ProctoringSession, to_datetime
from proctor_core.service.review.models import Adjudication
from proctor_core.types import Coverage, ScoreReport

MAX_REASON = 2000
MAX_VIOLATIONS = 500

Decision = Adjudication.Decision


class AdjudicationRefused(ProctorError):
    """The decision cannot be applied (bad input, or a session that has not ended)."""

    code = "adjudication_refused"
    status_code = 400


class SessionStillActive(AdjudicationRefused):
    code = "session_active"
    status_code = 409


def current_decisions(session: ProctoringSession) -> dict[str, str]:
    """Each adjudicated violation's latest decision, by violation id."""
    decisions: dict[str, str] = {}
    for violation_id, decision in session.adjudications.order_by("created_at", "id").values_list(
        "violation_id", "decision"
    ):
        decisions[violation_id] = decision
    return decisions


def rescore(session: ProctoringSession) -> ScoreReport:
    """Score an ended, locked session again without its dismissed violations, under the coverage measured when it
    ended (a decision on a violation changes nothing about how much was watched); save and announce the report."""
    dismissed = {vid for vid, decision in current_decisions(session).items() if decision == Decision.DISMISSED}  # type: ignore[comparison-overlap]
    records = session.violations.defer("evidence_jpeg")
    violations = [record.to_violation() for record in records if record.pk not in dismissed]
    covered = Coverage.from_json(session.coverage) if session.coverage else None
    report = engine_for(session.config).score(violations, covered)
    session.score = report.score
    session.risk_level = report.risk_level.value
    session.policy = report.policy
    session.penalties = report.to_json()["penalties"]
    session.review_reasons = list(report.review_reasons)
    session.save(update_fields=["score", "risk_level", "policy", "penalties", "review_reasons"])
    service_config().plugins.session_scored(report, session_info(session))
    return report


def adjudicate(
    session_id: object, violation_ids: Sequence[str], decision: str, reason: str, reviewer: str
) -> ScoreReport:
    """Record ``decision`` on these violations of one ended session, with ``reason``, and re-score it.

    :raises AdjudicationRefused: unknown decision, empty or over-long reason, no violations, or violations that
        are not this session's; nothing is changed.
    :raises SessionStillActive: the session has not ended yet (it has no score to change).
    :raises SessionNotFound: no session has this id.
    """
    if decision not in Decision.values:
        raise AdjudicationRefused(f"decision must be one of {', '.join(Decision.values)}")
    reason = (reason or "").strip()
    if not reason:
        raise AdjudicationRefused("give a reason for the decision")
    if len(reason) > MAX_REASON:
        raise AdjudicationRefused(f"the reason is longer than {MAX_REASON} characters")
    wanted = list(dict.fromkeys(str(v) for v in violation_ids))
    if not wanted or len(wanted) > MAX_VIOLATIONS:
        raise AdjudicationRefused(f"choose between 1 and {MAX_VIOLATIONS} violations")
    with transaction.atomic():
        session = locked_session(session_id)
        if session.active:
            raise SessionStillActive("the session is still running; end it before adjudicating")
        found = set(session.violations.filter(pk__in=wanted).values_list("pk", flat=True))
        if found != set(wanted):
            raise AdjudicationRefused("some of these violations are not in this session")
        before, at = session.score, to_datetime(now())
        rows = [
            Adjudication(session=session, violation_id=vid, decision=decision, reason=reason,
                         reviewer=reviewer[:300], created_at=at, score_before=before)
            for vid in wanted
        ]
        Adjudication.objects.bulk_create(rows)
        report = rescore(session)
        session.adjudications.filter(created_at=at, score_after__isnull=True).update(score_after=report.score)
    return report
