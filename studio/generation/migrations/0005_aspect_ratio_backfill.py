"""Each finished generation's delivered aspect ratio, from its stored files (the gallery
filters by it): the first image's width:height, else the first video's."""

from django.db import migrations

from studio.generation.ratios import aspect_ratio_of


def aspect_ratios_backfill(apps, schema_editor):
    Asset = apps.get_model("generation", "Asset")
    Generation = apps.get_model("generation", "Generation")
    first: dict = {}
    sizes = (
        Asset.objects.filter(role__in=("image", "video"), generation__aspect_ratio="")
        .order_by("generation_id", "role", "index")
        .values_list("generation_id", "width", "height")
    )
    for generation_id, width, height in sizes.iterator(chunk_size=2000):
        first.setdefault(generation_id, (width, height))
    by_ratio: dict[str, list] = {}
    for generation_id, size in first.items():
        ratio = aspect_ratio_of(*size)
        if ratio:
            by_ratio.setdefault(ratio, []).append(generation_id)
    for ratio, ids in by_ratio.items():
        for start in range(0, len(ids), 500):
            Generation.objects.filter(pk__in=ids[start : start + 500]).update(aspect_ratio=ratio)


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0004_workspace_root_aspect"),
    ]

    operations = [
        migrations.RunPython(aspect_ratios_backfill, migrations.RunPython.noop),
    ]
