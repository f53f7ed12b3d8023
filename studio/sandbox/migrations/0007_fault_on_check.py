"""Faults may target the prompt check (nova/prompt-check): `on="check"`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0006_sandboxjob_refunded"),
    ]

    operations = [
        migrations.AlterField(
            model_name="sandboxfault",
            name="on",
            field=models.CharField(
                choices=[
                    ("any", "any request"),
                    ("submit", "submits (POSTs that create a job)"),
                    ("fetch", "progress fetches"),
                    ("history", "history (nova/images)"),
                    ("files", "result files (CDN)"),
                    ("check", "prompt checks (nova/prompt-check)"),
                ],
                default="any",
                max_length=10,
            ),
        ),
    ]
