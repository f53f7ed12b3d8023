"""The backfill: generations made before the ledger get their charge (and a refund when
they failed), so an existing install's monthly totals and caps are right."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from tests.factories import GenerationFactory


@pytest.mark.django_db(transaction=True)
def test_existing_generations_are_booked_once(alice, carol, acme):
    call_command("migrate", "credits", "0001_ledger", verbosity=0)
    done = GenerationFactory(user=alice, cost=10, finished=True)
    failed = GenerationFactory(
        user=alice, cost=10, failed=True, error="Banned prompt", finished=True
    )
    saved_failed = GenerationFactory(  # the provider finished; saving the files failed
        user=carol, team=acme, cost=6, failed=True, raw_message={"status": "DONE"}, finished=True
    )
    cancelled = GenerationFactory(user=alice, cost=0, failed=True, finished=True)  # unsent
    running = GenerationFactory(user=carol, team=acme, cost=5, running=True, days_ago=40)

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
