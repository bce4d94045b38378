"""``proctor purge_expired_sessions``: apply each exam's ``data_retention_days`` (run it daily)."""

from django.core.management.base import BaseCommand

from proctor_core.service.review.retention import delete_sessions, expired_sessions


class Command(BaseCommand):
    help = (
        "Delete ended sessions (violations, evidence, decisions, LMS attempts) and candidates past their exam's "
        "retention."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be deleted.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        deleted = delete_sessions(expired_sessions(), "retention: deleted", dry_run=dry_run)
        for session_id in deleted.sessions:
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} session {session_id}")
        self.stdout.write(("would have " if dry_run else "") + deleted.summary())
