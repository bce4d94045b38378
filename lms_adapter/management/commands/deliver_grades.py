"""``proctor deliver_grades``: send the grades that are due; with ``--loop``, keep doing so."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from lms_adapter import grades


class Command(BaseCommand):
    help = "Send due grades from the outbox to the LMS gradebooks (and queue results the hook missed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep sending; never exit")
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between rounds with --loop")

    def handle(self, *args, loop: bool, interval: float, **options) -> None:
        while True:
            self.round()
            if not loop:
                return
            time.sleep(interval)

    def round(self) -> None:
        for row in grades.record_missing():
            self.stdout.write(f"queued missing result {row.pk} ({row.attempt})")
        for pk in grades.due_ids():
            outcome = grades.deliver(pk)
            if outcome is not None:
                retry = f", next try {outcome.retry_at:%H:%M:%S}" if outcome.retry_at else ""
                self.stdout.write(f"grade {pk}: {outcome.status}{retry}")
