"""Coverage and review reasons of a scored session."""

from django.db import migrations, models


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
    ]
