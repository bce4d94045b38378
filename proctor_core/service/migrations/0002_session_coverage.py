"""Coverage and review reasons of a scored session; silence becomes a notice in exams made from the exam preset."""

from django.db import migrations, models


def silence_is_a_notice_in_written_exams(apps, schema_editor):
    """Exams saved from the ``exam`` preset before notices were configurable stored silence as 0 points only."""
    Exam = apps.get_model("proctor", "Exam")
    for exam in Exam.objects.all():
        config = exam.config or {}
        silence = config.get("detectors", {}).get("silence")
        if config.get("preset") == "exam" and silence and silence.get("points") == 0 and silence.get("notice") is None:
            silence["notice"] = True
            exam.save(update_fields=["config"])


class Migration(migrations.Migration):

    dependencies = [
        ("proctor", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="proctoringsession",
            name="coverage",
            field=models.JSONField(
                blank=True, help_text="How much of the session a working camera and microphone watched", null=True
            ),
        ),
        migrations.AddField(
            model_name="proctoringsession",
            name="review_reasons",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Why a reviewer should look at this session, in words (e.g. poor coverage)",
            ),
        ),
        migrations.RunPython(silence_is_a_notice_in_written_exams, migrations.RunPython.noop),
    ]
