from django.db import migrations, models

# The words the sign-in parking wrote before this field existed.
PARKED_NOTE = "waiting: sign in to ImagineLab again"


def mark_parked(apps, schema_editor):
    """Jobs parked for a sign-in before the field existed wait for it now too."""
    Generation = apps.get_model("generation", "Generation")
    Generation.objects.filter(status_note=PARKED_NOTE).update(waiting_for="sign_in")


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0008_webhook_at_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="waiting_for",
            field=models.CharField(
                blank=True,
                choices=[("", "nothing"), ("sign_in", "a new sign-in to the provider")],
                default="",
                max_length=20,
            ),
        ),
        migrations.RunPython(mark_parked, migrations.RunPython.noop),
    ]
