from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("proctor", "0002_session_coverage")]

    operations = [
        migrations.AddField(
            model_name="proctoringsession",
            name="monitoring_started_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the candidate consented and passed the device check (the widget said so)",
                null=True,
            ),
        ),
    ]
