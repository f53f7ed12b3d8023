"""Whether the submit task asks the provider's prompt check before the submit (once per job;
submit.py). Existing rows ask nothing: their prompts were checked in the request."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0011_image_to_image_shown_prompt"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="prompt_check",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "not asked for"),
                    ("pending", "to ask before the submit"),
                    ("asked", "asked"),
                ],
                default="",
                max_length=10,
            ),
        ),
    ]
