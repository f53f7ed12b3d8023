"""The backfill: generations made before the ledger get their charge (and a refund when
they failed), so an existing install's monthly totals and caps are right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from studio.generation.models import Generation, Model, Status


def old_generation(user, team=None, *, cost, status=Status.DONE, days_ago=0, **fields):
    made = timezone.now() - timedelta(days=days_ago)
    generation = Generation.objects.create(
        user=user, team=team, model=Model.MIDJOURNEY, cost=cost, status=status, **fields
    )
    finished = made + timedelta(minutes=1) if status in (Status.DONE, Status.FAILED) else None
    Generation.objects.filter(pk=generation.pk).update(created_at=made, finished_at=finished)
    return generation


@pytest.mark.django_db(transaction=True)
def test_existing_generations_are_booked_once(alice, carol, acme):
    call_command("migrate", "credits", "0001_ledger", verbosity=0)
    done = old_generation(alice, cost=10)
    failed = old_generation(alice, cost=10, status=Status.FAILED, error="Banned prompt")
    saved_failed = old_generation(  # the provider finished; saving the files failed
        carol, acme, cost=6, status=Status.FAILED, raw_message={"status": "DONE"}
    )
    cancelled = old_generation(alice, cost=0, status=Status.FAILED)  # cancelled unsent
    running = old_generation(carol, acme, cost=5, status=Status.PROCESSING, days_ago=40)

    call_command("migrate", "credits", verbosity=0)

    def booked(generation):
        return sorted(
            LedgerEntry.objects.filter(generation=generation).values_list("kind", "credits")
        )

    assert booked(done) == [(Kind.CHARGE, 10)]
    assert booked(failed) == [(Kind.CHARGE, 10), (Kind.REFUND, -10)]
    assert booked(saved_failed) == [(Kind.CHARGE, 6)]
    assert booked(cancelled) == []
    assert booked(running) == [(Kind.CHARGE, 5)]
    charge = LedgerEntry.objects.get(generation=running)
    running.refresh_from_db()
    assert charge.created_at == running.created_at and charge.team == acme
    assert ledger.spent(None, alice) == 10
    assert ledger.spent(acme, carol) == 6  # the running one was made 40 days ago
    assert LedgerEntry.objects.get(generation=failed, kind=Kind.REFUND).model == "midjourney"
