"""``proctor erase_candidate --email ... | --lms-user ...``: delete everything kept about one person."""

from django.core.management.base import BaseCommand, CommandError

from proctor_core.service.review.retention import erase_candidate


class Command(BaseCommand):
    help = "Delete a candidate's sessions, violations, evidence, decisions, LMS attempts and the candidate records."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default="", help="The candidate's email (any case).")
        parser.add_argument("--lms-user", default="", help="The LMS user id (the LTI subject, e.g. Moodle's user id).")
        parser.add_argument("--issuer", default="", help="Only this platform's user (its LTI issuer).")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be deleted.")

    def handle(self, *args, email: str, lms_user: str, issuer: str, dry_run: bool = False, **options) -> None:
        if not (email.strip() or lms_user.strip()):
            raise CommandError("give --email or --lms-user")
        if issuer and not lms_user:
            raise CommandError("--issuer narrows --lms-user; give both")
        deleted = erase_candidate(email=email, lms_user=lms_user, issuer=issuer, dry_run=dry_run)
        for session_id in deleted.sessions:
            self.stdout.write(f"{'would erase' if dry_run else 'erased'} session {session_id}")
        self.stdout.write(("would have " if dry_run else "") + deleted.summary())
