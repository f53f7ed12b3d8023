"""The credits ledger: a charge when a generation is saved, one refund when it fails or is
cancelled (however often the news comes), one correction, and monthly sums. Jobs run against
the sandbox over real HTTP; its moderation fails any prompt with "banned" in it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from studio.generation import cancel, services, transitions
from studio.generation.models import Action, Generation, Model, Status
from studio.generation.submit import generation_submit
from studio.provider import registry
from studio.provider.messages import DONE, FAIL
from studio.sandbox.models import SandboxJob
from tests.factories import MidjourneyJobFactory
from tests.support import run_to_final

BANNED = "a banned lighthouse at dusk"


def booked(generation) -> list[tuple[str, int]]:
    return list(
        LedgerEntry.objects.filter(generation=generation)
        .order_by("created_at", "pk")
        .values_list("kind", "credits")
    )


def fetch_until(key, message_id: str, status: str, seconds: float = 15):
    """Ask the sandbox about a job until it reports `status`; return that message."""
    client = registry.client_for(key)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        message = client.fetch_message(message_id)
        if message.status == status:
            return message
        time.sleep(0.1)
    raise AssertionError(f"the sandbox never reported {status}")


@pytest.mark.django_db
class TestCharge:
    def test_a_new_generation_is_charged_its_price(self, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        [entry] = LedgerEntry.objects.all()
        assert (entry.generation, entry.kind, entry.credits) == (generation, Kind.CHARGE, 10)
        assert (entry.user, entry.team, entry.model) == (alice, None, Model.MIDJOURNEY)
        assert ledger.spent(None, alice) == 10

    def test_a_team_generation_is_charged_to_the_team_and_its_maker(self, carol, acme, team_key):
        services.flux_create(
            user=carol,
            provider_key=team_key,
            prompt="a cabin",
            n=3,
            output_format="png",
            params={},
        )

        [entry] = LedgerEntry.objects.all()
        assert (entry.user, entry.team, entry.model, entry.credits) == (carol, acme, "flux", 18)
        assert ledger.spent(acme) == 18
        assert ledger.spent(acme, carol) == 18
        assert ledger.spent(None, carol) == 0  # not her personal workspace

    def test_a_free_job_books_nothing(self, alice, alice_key):
        services.generation_create(
            user=alice,
            provider_key=alice_key,
            model=Model.MIDJOURNEY,
            action=Action.DESCRIBE,
            endpoint="describe",
            prompt="",
            request_body={"image": "https://example.com/a.png"},
            params={},
            cost=0,
        )

        assert not LedgerEntry.objects.exists()

    def test_a_second_charge_of_one_generation_is_impossible(self, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        with pytest.raises(IntegrityError), transaction.atomic():
            ledger.charge(generation)
        assert booked(generation) == [(Kind.CHARGE, 10)]

    def test_a_refused_key_books_nothing(self, alice, charlie, alice_key):
        with pytest.raises(services.GenerationError):
            MidjourneyJobFactory(user=charlie, provider_key=alice_key)

        assert not LedgerEntry.objects.exists() and not Generation.objects.exists()


@pytest.mark.django_db(transaction=True)
class TestRefundOnFail:
    def test_a_job_the_provider_fails_is_refunded(self, alice, alice_key, sandbox_url):
        generation = run_to_final(
            MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt=BANNED)
        )

        assert generation.status == Status.FAILED
        assert "banned" in generation.error.lower()
        assert booked(generation) == [(Kind.CHARGE, 10), (Kind.REFUND, -10)]
        refund = LedgerEntry.objects.get(kind=Kind.REFUND)
        assert refund.note.startswith("Failed: ") and "banned" in refund.note.lower()
        assert ledger.spent(None, alice) == 0

    def test_the_fail_news_arriving_twice_refunds_once(self, alice, alice_key, sandbox_url):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt=BANNED)
        assert generation_submit(generation.pk) == Status.SUBMITTED
        generation.refresh_from_db()
        message = fetch_until(alice_key, generation.message_id, FAIL)

        # The poll and a webhook both deliver it, then a late deadline and a direct call.
        first = transitions.apply_message(generation.pk, message, next_poll_in=1)
        second = transitions.apply_message(generation.pk, message, next_poll_in=1)
        late = transitions.fail(generation.pk, "The provider did not finish in time.")
        again = ledger.refund(generation.pk, "again")

        assert (first, second, late, again) == (Status.FAILED, None, False, None)
        assert booked(generation) == [(Kind.CHARGE, 10), (Kind.REFUND, -10)]
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                generation=generation, user=alice, model="midjourney", kind=Kind.REFUND, credits=-10
            )

    def test_a_failure_after_the_provider_finished_keeps_the_charge(
        self, alice, alice_key, sandbox_url
    ):
        """Our download failed, but the provider did the job and spent the credits."""
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        generation_submit(generation.pk)
        generation.refresh_from_db()
        message = fetch_until(alice_key, generation.message_id, DONE)
        assert transitions.apply_message(generation.pk, message, next_poll_in=1) == "downloading"

        assert transitions.fail(generation.pk, "Could not save the results: disk full.")

        assert booked(generation) == [(Kind.CHARGE, 10)]
        assert ledger.spent(None, alice) == 10

    def test_a_job_that_could_not_be_sent_is_refunded(self, alice, alice_key, settings):
        settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox/imaginepro/api/v1"  # refused
        settings.SUBMIT_MAX_ATTEMPTS = 1
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        assert generation_submit(generation.pk) == Status.FAILED

        assert booked(generation) == [(Kind.CHARGE, 10), (Kind.REFUND, -10)]


@pytest.mark.django_db(transaction=True)
class TestRefundOnCancel:
    def test_cancelling_an_unsent_job_refunds_it_and_sends_nothing(
        self, alice, alice_key, sandbox_url
    ):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        assert cancel.generation_cancel(user=alice, generation=generation) == cancel.CANCELLED
        with pytest.raises(services.GenerationError):
            cancel.generation_cancel(user=alice, generation=generation)  # asked twice
        assert generation_submit(generation.pk) == "not claimed"

        generation.refresh_from_db()
        assert generation.status == Status.FAILED and generation.cost == 0
        assert booked(generation) == [(Kind.CHARGE, 10), (Kind.REFUND, -10)]
        assert ledger.spent(None, alice) == 0
        assert not SandboxJob.objects.exists()


@pytest.mark.django_db
class TestCorrect:
    def test_books_the_difference_once(self, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        entry = ledger.correct(generation, 12, "ImagineLab credit_cost")
        repeat = ledger.correct(generation, 15, "ImagineLab credit_cost")

        assert (entry.kind, entry.credits, entry.note) == (
            Kind.CORRECTION,
            2,
            "ImagineLab credit_cost: 12 credits",
        )
        assert repeat is None
        assert ledger.net(generation.pk) == 12

    def test_a_refund_after_a_correction_reverses_both(self, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        ledger.correct(generation, 7, "ImagineLab credit_cost")

        transitions.fail(generation.pk, "Provider failure")

        assert booked(generation) == [
            (Kind.CHARGE, 10),
            (Kind.CORRECTION, -3),
            (Kind.REFUND, -7),
        ]
        assert ledger.spent(None, alice) == 0

    def test_nothing_when_the_price_was_right_or_the_job_was_refunded(self, alice, alice_key):
        right = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        refunded = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        transitions.fail(refunded.pk, "Provider failure")

        assert ledger.correct(right, 10, "ImagineLab credit_cost") is None
        assert ledger.correct(refunded, 4, "ImagineLab credit_cost") is None
        assert ledger.spent(None, alice) == 10
        with pytest.raises(ValueError):
            ledger.correct(right, -1, "ImagineLab credit_cost")


@pytest.mark.django_db
class TestSpent:
    def test_counts_the_calendar_month_in_utc(self, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)  # 10 credits, now
        start = ledger.month_start()
        before = start - timedelta(microseconds=1)
        LedgerEntry.objects.create(
            user=alice, model="flux", kind=Kind.CHARGE, credits=6, created_at=before
        )
        LedgerEntry.objects.create(
            user=alice, model="flux", kind=Kind.CHARGE, credits=12, created_at=start
        )

        assert ledger.spent(None, alice) == 22
        assert ledger.spent(None, alice, month=before) == 6
        assert generation.cost == 10

    def test_month_start_and_next_month(self):
        december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)

        assert ledger.month_start(december) == datetime(2026, 12, 1, tzinfo=UTC)
        assert ledger.next_month(ledger.month_start(december)) == datetime(2027, 1, 1, tzinfo=UTC)

    def test_a_deleted_generation_keeps_its_entries(self, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        generation.delete()

        [entry] = LedgerEntry.objects.all()
        assert entry.generation is None and entry.model == "midjourney"
        assert ledger.spent(None, alice) == 10
