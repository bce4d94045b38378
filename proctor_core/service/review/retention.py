"""Retention and erasure: delete ended sessions past their exam's ``data_retention_days``, or everything about one
candidate (by email or LMS user id), and log what was deleted.

A session goes with its violations (evidence included), retry receipts and adjudications, and in LMS mode with
its attempt and grade outbox rows (the gradebook keeps the grade it received). A candidate goes once no session of
theirs is left. Every deleted session is logged (id, exam, candidate id, number of violations) on the
``proctor.retention`` logger, and the counts are returned for the command to print.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from proctor_core.service.engines import now
from proctor_core.service.models import Candidate, Exam, ProctoringSession, to_datetime

log = logging.getLogger("proctor.retention")


@dataclass
class Deleted:
    sessions: list[str] = field(default_factory=list)
    violations: int = 0
    candidates: int = 0

    def summary(self) -> str:
        return (f"deleted {len(self.sessions)} session(s), {self.violations} violation(s), "
                f"{self.candidates} candidate(s)")


def expired_sessions() -> QuerySet[ProctoringSession]:
    """Ended sessions older than their exam's ``data_retention_days`` (exams without it keep everything)."""
    at = to_datetime(now())
    due = Q(pk__in=[])
    for exam in Exam.objects.all():
        days = exam.exam_config().data_retention_days
        if days is not None:
            due |= Q(exam=exam, ended_at__lt=at - timedelta(days=days))
    return ProctoringSession.objects.filter(due, active=False)


def delete_sessions(sessions: QuerySet[ProctoringSession], why: str, *, dry_run: bool = False) -> Deleted:
    """Delete these sessions and what hangs on them; then candidates left with no session."""
    deleted = Deleted()
    rows = list(sessions.select_related("exam").annotate(n=Count("violations")))
    candidate_ids = {row.candidate_id for row in rows}
    for row in rows:
        deleted.sessions.append(str(row.pk))
        deleted.violations += row.n
        log.info("%s session %s (exam %s, candidate %s, %d violations)%s", why, row.pk, row.exam.slug,
                 row.candidate_id, row.n, " [dry run]" if dry_run else "")
    if dry_run:
        return deleted
    with transaction.atomic():
        ids = [row.pk for row in rows]
        if apps.is_installed("lms_adapter"):
            from lms_adapter.models import GradeOutbox, LearnerAttempt  # noqa: PLC0415 - the adapter is optional

            GradeOutbox.objects.filter(attempt__session_id__in=ids).delete()
            LearnerAttempt.objects.filter(session_id__in=ids).delete()
        ProctoringSession.objects.filter(pk__in=ids).delete()
        orphans = Candidate.objects.filter(pk__in=candidate_ids, sessions__isnull=True)
        for candidate_id in orphans.values_list("pk", flat=True):
            log.info("%s candidate %s (no session left)", why, candidate_id)
        deleted.candidates = orphans.delete()[1].get("proctor.Candidate", 0)
    return deleted


def candidate_sessions(*, email: str = "", lms_user: str = "", issuer: str = "") -> QuerySet[ProctoringSession]:
    """Every session of the candidates with this email (any case) or this LMS user id (optionally of one issuer)."""
    match = Q(pk__in=[])
    if email:
        match |= Q(candidate__email__iexact=email.strip())
    if lms_user:
        if issuer:
            match |= Q(candidate__external_id=f"{issuer} {lms_user}")
        else:
            match |= Q(candidate__external_id__endswith=f" {lms_user}")
        if apps.is_installed("lms_adapter"):
            attempts = Q(lti_attempt__user_id=lms_user)
            if issuer:
                attempts &= Q(lti_attempt__resource_link__tool__issuer=issuer)
            match |= attempts
    return ProctoringSession.objects.filter(match)


def erase_candidate(*, email: str = "", lms_user: str = "", issuer: str = "", dry_run: bool = False) -> Deleted:
    """Delete everything kept about one person (running sessions too); their candidate rows go with the last one."""
    if not (email.strip() or lms_user.strip()):
        raise ValueError("give an email or an LMS user id")
    sessions = candidate_sessions(email=email, lms_user=lms_user.strip(), issuer=issuer.strip())
    deleted = delete_sessions(sessions, "erased", dry_run=dry_run)
    if not dry_run and email.strip():
        leftover = Candidate.objects.filter(email__iexact=email.strip(), sessions__isnull=True)
        deleted.candidates += leftover.delete()[1].get("proctor.Candidate", 0)
    return deleted
