from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("proctor", "0003_session_monitoring_started")]

    operations = [
        migrations.AddField(
            model_name="proctoringsession",
            name="version",
            field=models.PositiveBigIntegerField(
                default=0,
                editable=False,
                help_text="Raised by every save of engine_state: an observation's write checks it",
            ),
        ),
    ]
