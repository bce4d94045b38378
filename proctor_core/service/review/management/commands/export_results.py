"""``proctor export_results --exam SLUG``: an exam's sessions or violations as CSV or JSON (docs/review.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from proctor_core.service.models import Exam
from proctor_core.service.review import export


class Command(BaseCommand):
    help = "Export an exam's sessions or violations as CSV or JSON, to stdout or --output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--exam", required=True, help="The exam's slug.")
        parser.add_argument("--what", choices=export.KINDS, default="sessions")
        parser.add_argument("--format", choices=tuple(export.FORMATS), default="csv")
        parser.add_argument("--output", type=Path, help="Write to this file instead of stdout.")

    def handle(self, *args, exam: str, what: str, format: str, output: Path | None, **options) -> None:  # noqa: A002
        found = Exam.objects.filter(slug=exam).first()
        if found is None:
            available = ", ".join(Exam.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"no exam {exam!r}; available: {available}")
        body, _ = export.render(found, what, format)
        if output is None:
            self.stdout.write(body, ending="")
        else:
            output.write_text(body, encoding="utf-8")
            self.stderr.write(f"wrote {output}")
