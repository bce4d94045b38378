"""``proctor demo``: create the demo exams "interview" and "exam" from the built-in presets."""

from django.core.management.base import BaseCommand

from proctor_core.config import ExamConfig
from proctor_core.service import api

DEMO_EXAMS = {
    "interview": "Interview (demo): silence penalised",
    "exam": "Written exam (demo): silence is a notice",
}


class Command(BaseCommand):
    help = "Create the stand-alone demo exams 'interview' and 'exam' from the presets (existing ones are kept)."

    def handle(self, *args, **options) -> None:
        for slug, title in DEMO_EXAMS.items():
            exam = api.get_or_create_exam(slug, title=title, config=ExamConfig.from_preset(slug), standalone=True)
            self.stdout.write(f"exam {exam.slug!r}: {exam.title}")
