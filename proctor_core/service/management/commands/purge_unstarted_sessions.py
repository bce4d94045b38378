"""``proctor purge_unstarted_sessions``: delete stand-alone sessions that never received a single observation.

Opening a session is anonymous. One that never sent a frame, an audio report or a page event (a script, an
abandoned start page) holds no proctoring data, yet stays forever, and ``end_idle_sessions`` even scores it.
After ``--older-than-hours`` (24) such a session is deleted with its candidate, unless the candidate has other
sessions. LMS sessions are kept: they belong to a learner's attempt and its gradebook line.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from proctor_core.service.engines import now
from proctor_core.service.models import Candidate, ProctoringSession, to_datetime

BATCH = 500


def never_started(session: ProctoringSession) -> bool:
    """No stream of the session ever judged an observation."""
    return not (session.engine_state or {}).get("streams")


def unstarted_sessions(older_than_s: float) -> list[ProctoringSession]:
    cutoff = to_datetime(now()) - timedelta(seconds=older_than_s)
    candidates = (
        ProctoringSession.objects.filter(started_at__lt=cutoff, lti_attempt__isnull=True, violations__isnull=True)
        .only("id", "candidate_id", "engine_state")
        .order_by("started_at")
    )
    return [session for session in candidates.iterator(chunk_size=BATCH) if never_started(session)]


def purge(sessions: list[ProctoringSession]) -> int:
    """Delete the sessions and the stand-alone candidates left without one; return how many sessions."""
    for start in range(0, len(sessions), BATCH):
        batch = sessions[start : start + BATCH]
        with transaction.atomic():
            ProctoringSession.objects.filter(pk__in=[session.pk for session in batch]).delete()
            Candidate.objects.filter(
                pk__in={session.candidate_id for session in batch}, external_id="", sessions__isnull=True
            ).delete()
    return len(sessions)


class Command(BaseCommand):
    help = "Delete stand-alone sessions that never received an observation, after --older-than-hours (24)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than-hours", type=float, default=24.0, help="Age before deletion (24).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, older_than_hours: float, dry_run: bool = False, **options) -> None:
        if older_than_hours <= 0:
            raise CommandError(f"--older-than-hours must be positive, got {older_than_hours:g}")
        sessions = unstarted_sessions(older_than_hours * 3600)
        if dry_run:
            self.stdout.write(f"{len(sessions)} never-started session(s) would be deleted")
            return
        self.stdout.write(f"{purge(sessions)} never-started session(s) deleted")
