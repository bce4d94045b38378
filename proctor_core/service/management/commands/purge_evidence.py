"""``proctor purge_evidence``: delete evidence images past their exam's retention period (run it daily)."""

from django.core.management.base import BaseCommand

from proctor_core.service.engines import now
from proctor_core.service.evidence import expired_evidence, purge_evidence
from proctor_core.service.models import to_datetime


class Command(BaseCommand):
    help = "Delete evidence images whose retention period has passed; the violations themselves are kept."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        at = to_datetime(now())
        if dry_run:
            self.stdout.write(f"{expired_evidence(at).count()} evidence image(s) past retention")
            return
        self.stdout.write(f"deleted {purge_evidence(at)} evidence image(s) past retention")
