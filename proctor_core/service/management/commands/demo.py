"""``proctor demo``: create the demo exams "interview" and "exam" from the built-in presets, and "ondevice"."""

from django.core.management.base import BaseCommand

from proctor_core.config import PRESETS, ExamConfig
from proctor_core.service import api

DEMO_EXAMS = {
    "interview": "Interview (demo)",
    "exam": "Written exam (demo)",
    "ondevice": "Interview with on-device analysis (demo)",
}
"""Titles candidates read: no rules in them; the start page lists each exam's rules in words."""

FORMER_TITLES = {
    "interview": "Interview (demo): silence penalised",
    "exam": "Written exam (demo): silence is a notice",
    "ondevice": "Interview with on-device analysis (demo): pictures stay in the browser",
}
"""Earlier demo titles, with policy wording; a demo exam still carrying one gets its new title."""


class Command(BaseCommand):
    help = (
        "Create the stand-alone demo exams 'interview' and 'exam' from the presets, and 'ondevice' (the interview "
        "preset with on-device analysis); existing ones are kept (a former demo title is renamed)."
    )

    def handle(self, *args, **options) -> None:
        for slug, title in DEMO_EXAMS.items():
            config = ExamConfig.from_preset(slug if slug in PRESETS else "interview")
            config = config.model_copy(update={"analysis": "device"}) if slug == "ondevice" else config
            exam = api.get_or_create_exam(slug, title=title, config=config, standalone=True)
            if exam.title == FORMER_TITLES[slug]:
                exam.title = title
                exam.save(update_fields=["title", "updated_at"])
            self.stdout.write(f"exam {exam.slug!r}: {exam.title}")
