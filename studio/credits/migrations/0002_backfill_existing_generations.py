"""Book the generations made before the ledger existed, so this month's totals and caps are
right on an existing install: a charge of each one's cost, dated when it was made, and a
refund for each failed one, dated when it ended (none when the provider had finished it)."""

from __future__ import annotations

from django.db import migrations

NOTE = "booked when the ledger was added"
BATCH = 1000


def backfill(apps, schema_editor):
    Generation = apps.get_model("generation", "Generation")
    LedgerEntry = apps.get_model("credits", "LedgerEntry")
    charged = set(
        LedgerEntry.objects.filter(kind="charge", generation__isnull=False).values_list(
            "generation_id", flat=True
        )
    )
    rows = []
    generations = Generation.objects.filter(cost__gt=0).only(
        "pk", "user", "team", "model", "cost", "status", "created_at", "finished_at", "raw_message"
    )
    for generation in generations.order_by("created_at").iterator(chunk_size=BATCH):
        if generation.pk in charged:
            continue
        common = {
            "generation_id": generation.pk,
            "user_id": generation.user_id,
            "team_id": generation.team_id,
            "model": generation.model,
        }
        rows.append(
            LedgerEntry(
                **common,
                kind="charge",
                credits=generation.cost,
                note=f"Charge {NOTE}",
                created_at=generation.created_at,
            )
        )
        provider_done = (generation.raw_message or {}).get("status") == "DONE"
        if generation.status == "failed" and not provider_done:
            rows.append(
                LedgerEntry(
                    **common,
                    kind="refund",
                    credits=-generation.cost,
                    note=f"Refund {NOTE}",
                    created_at=generation.finished_at or generation.created_at,
                )
            )
        if len(rows) >= BATCH:
            LedgerEntry.objects.bulk_create(rows)
            rows = []
    LedgerEntry.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0001_ledger"),
        ("generation", "0004_workspace_root_aspect"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
