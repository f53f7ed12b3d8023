"""An image-to-image's prompt for people is its typed text: earlier rows kept the prompt as
sent, the image's signed link first (services.tools.image_to_image_create). The request
body keeps the link; only the shown prompt is rewritten."""

from django.db import migrations


def typed_text(apps, schema_editor):
    Generation = apps.get_model("generation", "Generation")
    rows = Generation.objects.filter(params__tool="image-to-image").only("prompt", "params")
    for generation in rows.iterator():
        text = str(generation.params.get("prompt", "")).strip()
        relax = generation.params.get("speed") == "relax"
        shown = f"{text} --relax".strip() if relax else text
        if shown != generation.prompt:
            Generation.objects.filter(pk=generation.pk).update(prompt=shown)


class Migration(migrations.Migration):
    dependencies = [("generation", "0010_generation_batch")]

    operations = [migrations.RunPython(typed_text, migrations.RunPython.noop)]
