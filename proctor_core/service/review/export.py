"""Export of an exam's sessions and of their violations, as CSV or JSON (docs/review.md lists the columns).

Times are ISO 8601 in UTC, to the second. The same rows serve the reviewer area and ``proctor export``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from proctor_core.service.models import Exam, ViolationRecord
from proctor_core.service.review.models import Adjudication

SESSION_COLUMNS = (
    "session_id", "exam", "candidate_name", "candidate_email", "lms_user", "started_at", "ended_at", "status",
    "score", "risk_level", "policy", "deducted_points", "violations", "notices", "dismissed",
)
VIOLATION_COLUMNS = (
    "violation_id", "session_id", "exam", "candidate_name", "candidate_email", "code", "occurred_at", "notice",
    "points", "decision", "decision_reason", "reviewer", "rule", "detail", "evidence_kept",
)
KINDS = ("sessions", "violations")
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ExportRefused(ValueError):
    """Unknown export kind or format."""


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _latest_decisions(exam: Exam) -> dict[str, Adjudication]:
    latest: dict[str, Adjudication] = {}
    for row in Adjudication.objects.filter(session__exam=exam).order_by("created_at", "id"):
        latest[row.violation_id] = row
    return latest


def session_rows(exam: Exam) -> Iterator[dict[str, Any]]:
    decisions = _latest_decisions(exam)
    records = ViolationRecord.objects.filter(session__exam=exam).values_list("session_id", "id", "notice")
    counts: dict[Any, list[int]] = {}
    for session_id, violation_id, notice in records:
        count = counts.setdefault(session_id, [0, 0, 0])
        count[1 if notice else 0] += 1
        count[2] += decisions.get(violation_id) is not None and decisions[violation_id].decision == "dismissed"
    for session in exam.sessions.select_related("candidate").order_by("started_at", "pk"):
        violations, notices, dismissed = counts.get(session.pk, [0, 0, 0])
        yield {
            "session_id": str(session.pk),
            "exam": exam.slug,
            "candidate_name": session.candidate.name,
            "candidate_email": session.candidate.email,
            "lms_user": session.candidate.external_id,
            "started_at": _when(session.started_at),
            "ended_at": _when(session.ended_at),
            "status": "active" if session.active else "ended",
            "score": session.score,
            "risk_level": session.risk_level,
            "policy": session.policy,
            "deducted_points": round(sum(row["points"] for row in session.penalties), 2),
            "violations": violations,
            "notices": notices,
            "dismissed": dismissed,
        }


def violation_rows(exam: Exam) -> Iterator[dict[str, Any]]:
    decisions = _latest_decisions(exam)
    points: dict[str, float] = {}
    for penalties in exam.sessions.values_list("penalties", flat=True):
        points.update({row["violation_id"]: row["points"] for row in penalties})
    records = (
        ViolationRecord.objects.filter(session__exam=exam)
        .select_related("session__candidate")
        .defer("evidence_jpeg")
        .order_by("session__started_at", "occurred_at", "id")
    )
    for record in records:
        decision = decisions.get(record.pk)
        candidate = record.session.candidate
        yield {
            "violation_id": record.pk,
            "session_id": str(record.session_id),
            "exam": exam.slug,
            "candidate_name": candidate.name,
            "candidate_email": candidate.email,
            "code": record.code,
            "occurred_at": _when(record.occurred_at),
            "notice": record.notice,
            "points": points.get(record.pk, 0),
            "decision": decision.decision if decision else "",
            "decision_reason": decision.reason if decision else "",
            "reviewer": decision.reviewer if decision else "",
            "rule": json.dumps(record.rule, sort_keys=True),
            "detail": json.dumps(record.detail, sort_keys=True),
            "evidence_kept": record.evidence_expires_at is not None,
        }


def render(exam: Exam, what: str, fmt: str) -> tuple[str, str]:
    """The export body and its content type.

    :raises ExportRefused: ``what`` is not sessions/violations or ``fmt`` not csv/json.
    """
    if what not in KINDS or fmt not in FORMATS:
        raise ExportRefused(f"export one of {', '.join(KINDS)} as {' or '.join(FORMATS)}")
    rows, columns = (session_rows(exam), SESSION_COLUMNS) if what == "sessions" else (violation_rows(exam),
                                                                                       VIOLATION_COLUMNS)
    if fmt == "json":
        return json.dumps(list(rows), indent=1), FORMATS[fmt]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue(), FORMATS[fmt]


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (CSV injection): a leading = + - @ gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
