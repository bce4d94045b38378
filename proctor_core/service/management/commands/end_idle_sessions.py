"""``proctor end_idle_sessions``: end and score sessions that were left open (run it every few minutes).

A candidate who closes the tab never presses "end": without this, the session would never be scored and, in LMS
mode, no grade would reach the gradebook. Ending goes through the same path as the end button, so the score, the
hooks and the grade outbox behave exactly as for a session ended by hand.
"""

from django.core.management.base import BaseCommand, CommandError

from proctor_core.engine import SessionState
from proctor_core.service import api
from proctor_core.service.engines import now
from proctor_core.service.models import ProctoringSession, to_datetime


def last_activity(session: ProctoringSession) -> float:
    """The latest judged time of any stream, or the session's start if nothing arrived."""
    state = SessionState.from_json(session.engine_state) if session.engine_state else None
    last = state.last_observed_at if state is not None else None
    return session.started_at.timestamp() if last is None else last


def idle_sessions(idle_s: float) -> list[ProctoringSession]:
    """Active sessions with no observation for ``idle_s`` seconds, or whose token has expired."""
    at = now()
    return [
        session
        for session in ProctoringSession.objects.filter(active=True).only(
            "id", "started_at", "expires_at", "engine_state"
        )
        if session.expires_at <= to_datetime(at) or at - last_activity(session) >= idle_s
    ]


class Command(BaseCommand):
    help = "End and score active sessions with no observation for --idle-minutes, or whose token has expired."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--idle-minutes", type=float, default=30.0, help="Idle time before a session ends (30).")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be ended.")

    def handle(self, *args, idle_minutes: float, dry_run: bool = False, **options) -> None:
        if idle_minutes <= 0:
            raise CommandError(f"--idle-minutes must be positive, got {idle_minutes:g}")
        sessions = idle_sessions(idle_minutes * 60)
        for session in sessions:
            if dry_run:
                self.stdout.write(f"would end {session.pk}")
                continue
            report = api.end_session(session)
            self.stdout.write(f"ended {session.pk}: score {report.score:g} ({report.risk_level.value})")
        self.stdout.write(f"{len(sessions)} idle session(s){' found' if dry_run else ' ended'}")
