"""Every provider fault, injected into the sandbox over real HTTP, and what a person sees:
the card's words, the final status, the credits in the ledger, and never a second job at
the provider.

The worker runs in-process (generation_submit, poll_once, poll_loop) as tests/support.py's
run_to_final does; the sandbox's faults come from studio.sandbox.faults.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from studio.generation import assets, poller
from studio.generation.models import FinishedBy, Generation, Status
from studio.generation.submit import generation_submit
from studio.sandbox import faults
from studio.sandbox.models import SandboxJob
from tests.support import client_for, flux, run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_clock(settings):
    """Short waits, so a fault's whole story fits in a few seconds."""
    settings.PROVIDER_TIMEOUT = (2.0, 2.5)  # a busy machine still answers a 502 in time
    settings.LOOKUP_INTERVAL = 0.2
    settings.WEBHOOKS = False  # the poller alone here; webhooks: test_webhooks.py


def inject(kind, key, **options):
    return faults.inject(kind, account=faults.account_for_key(key), **options)


def sandbox_jobs(generation) -> int:
    """How many jobs the provider holds for this generation (our id is their `ref`)."""
    return SandboxJob.objects.filter(ref=str(generation.pk)).count()


def charges(generation) -> int:
    return LedgerEntry.objects.filter(generation=generation, kind=Kind.CHARGE).count()


def card_text(user, generation) -> str:
    return client_for(user).get(reverse("generation:card", args=[generation.pk])).content.decode()


def make_due(generation) -> None:
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())


def poll() -> None:
    poller.poll_once(start_download=assets.generation_download)


def finish(generation, seconds=15) -> Generation:
    poller.poll_loop(start_download=assets.generation_download, seconds=seconds)
    generation.refresh_from_db()
    return generation


def assert_done_once(generation) -> None:
    assert generation.status == Status.DONE, generation.error
    assert sandbox_jobs(generation) == 1  # never posted twice
    assert charges(generation) == 1 and ledger.net(generation.pk) == generation.cost
    assert len(generation.images) == 1


def assert_refunded(generation) -> None:
    assert generation.status == Status.FAILED
    assert charges(generation) == 1 and ledger.net(generation.pk) == 0


# --- submit: refused before anything started → wait and send again ---------------------------


def test_429_on_submit_waits_for_retry_after_and_the_card_counts_down(
    alice, alice_key, sandbox_url
):
    inject("http_429", alice_key, on="submit", remaining=1, seconds=30)
    generation = flux(alice, alice_key)

    before = timezone.now()
    assert generation_submit(generation.pk) == Status.QUEUED
    after = timezone.now()
    generation.refresh_from_db()
    assert generation.status_note == "waiting: rate limited, next try in 30 s"
    # Retry-After honoured, counted from the answer (however long the submit took).
    retry_after = timedelta(seconds=30)
    assert before + retry_after <= generation.next_poll_at <= after + retry_after
    alice_key.refresh_from_db()
    assert before + retry_after <= alice_key.next_submit_at <= after + retry_after  # the whole key
    assert sandbox_jobs(generation) == 0
    # The card recounts the wait from the stored time instead of a frozen number.
    Generation.objects.filter(pk=generation.pk).update(
        next_poll_at=timezone.now() + timedelta(seconds=12.5)
    )
    assert "waiting: rate limited, next try in 13 s" in card_text(alice, generation)

    make_due(generation)  # as if the Retry-After had passed, for the job and its key
    ProviderKey.objects.filter(pk=alice_key.pk).update(next_submit_at=None)
    assert_done_once(finish(generation))


@pytest.mark.parametrize("kind", ["http_500"])
def test_500_on_submit_is_sent_again_after_a_backoff(alice, alice_key, sandbox_url, kind):
    inject(kind, alice_key, on="submit", remaining=1)
    generation = flux(alice, alice_key)

    assert generation_submit(generation.pk) == Status.QUEUED
    generation.refresh_from_db()
    assert generation.status_note.startswith("waiting: the provider had a problem, next try in")
    assert sandbox_jobs(generation) == 0

    make_due(generation)
    assert_done_once(finish(generation))


# --- submit: outcome unknown → looked up by ref, never sent again -----------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("lost_answer", {}),  # created, then the connection is reset
        ("lost_answer", {"seconds": 3}),  # created, the answer held past our read timeout
        ("malformed_json", {}),  # created, the answer is half a JSON document
    ],
)
def test_a_lost_answer_is_found_in_the_history_not_sent_again(
    alice, alice_key, sandbox_url, kind, options
):
    inject(kind, alice_key, on="submit", remaining=1, **options)
    generation = flux(alice, alice_key)

    assert generation_submit(generation.pk) == Status.SUBMITTING
    generation.refresh_from_db()
    assert generation.outcome_unknown_at is not None and not generation.message_id
    assert "checking with the provider whether it received this job" in card_text(alice, generation)

    generation = finish(generation)
    assert_done_once(generation)
    job = SandboxJob.objects.get(ref=str(generation.pk))
    assert generation.message_id == str(job.pk)  # the provider's job, adopted
    assert generation.finished_by == FinishedBy.LOOKUP
    assert generation.error == ""


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("reset", "(the connection to the provider broke)"),
        ("read_timeout", "(the provider did not answer in time)"),
        ("http_502", "(the provider had a problem)"),
    ],
)
def test_an_unknown_outcome_never_seen_at_the_provider_is_closed_and_refunded(
    alice, alice_key, sandbox_url, kind, what
):
    """The request never created a job, but the studio cannot know that: it looks, finds
    nothing by the deadline, and closes the job with its credits returned."""
    inject(kind, alice_key, on="submit", remaining=1)
    generation = flux(alice, alice_key)

    assert generation_submit(generation.pk) == Status.SUBMITTING
    make_due(generation)
    poll()  # looked up: nothing yet, still checking
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTING
    assert generation.status_note.startswith("checking with the provider")

    Generation.objects.filter(pk=generation.pk).update(
        deadline_at=timezone.now(), next_poll_at=timezone.now()
    )
    poll()
    generation.refresh_from_db()
    assert_refunded(generation)
    assert sandbox_jobs(generation) == 0
    assert what in generation.error
    assert "never showed this job" in generation.error
    assert "not sent again" in generation.error
    assert f"its {generation.cost} credits were returned" in generation.error


# --- polling faults: safe to repeat ----------------------------------------------------------


def test_429_on_a_poll_pushes_back_the_whole_keys_schedule(
    alice, alice_key, sandbox_url, sandbox_clock
):
    """Both jobs stay queued at the provider (its clock held) while the poll meets the 429,
    so both are still running and both wait; then the provider's time moves on."""
    first, second = flux(alice, alice_key, "a red kite"), flux(alice, alice_key, "a blue kite")
    generation_submit(first.pk)
    generation_submit(second.pk)
    inject("http_429", alice_key, on="fetch", remaining=1, seconds=4)
    Generation.objects.filter(pk__in=[first.pk, second.pk]).update(next_poll_at=timezone.now())
    before = timezone.now()

    poll()

    notes = set(
        Generation.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "status_note", flat=True
        )
    )
    assert "waiting: rate limited, next try in 4 s" in notes
    for generation in (first, second):
        generation.refresh_from_db()
        assert generation.status in (Status.SUBMITTED, Status.PROCESSING)
        assert generation.next_poll_at >= before + timedelta(seconds=4)
    assert faults.rate_limited_count(faults.account_for_key(alice_key)) == 1

    sandbox_clock.advance(60)  # both jobs are done at the provider
    make_due(first)
    make_due(second)
    assert_done_once(finish(first))
    second.refresh_from_db()
    assert_done_once(second)


def test_malformed_json_on_a_poll_is_retried(alice, alice_key, sandbox_url):
    generation = flux(alice, alice_key)
    generation_submit(generation.pk)
    inject("malformed_json", alice_key, on="fetch", remaining=1)
    make_due(generation)

    poll()
    generation.refresh_from_db()
    assert generation.status in (Status.SUBMITTED, Status.PROCESSING)
    assert generation.status_note.startswith(
        "waiting: the provider sent an answer that is not valid JSON (HTTP 200), next try in"
    )
    assert "next try in" in generation.status_note

    make_due(generation)
    assert_done_once(finish(generation))


def test_reset_and_502_on_polls_are_retried(alice, alice_key, sandbox_url):
    generation = flux(alice, alice_key)
    generation_submit(generation.pk)
    inject("reset", alice_key, on="fetch", remaining=1)
    inject("http_502", alice_key, on="fetch", remaining=1)
    assert_done_once(finish(generation, seconds=20))


def test_latency_on_every_call_only_slows_things_down(alice, alice_key, sandbox_url):
    inject("latency", alice_key, seconds=0.3)
    assert_done_once(run_to_final(flux(alice, alice_key)))


# --- the provider's own verdicts --------------------------------------------------------------


def test_fail_shows_the_providers_words_and_refunds(alice, alice_key, sandbox_url):
    inject("fail", alice_key, on="submit", remaining=1, text="Midjourney refused this job")
    generation = run_to_final(flux(alice, alice_key))

    assert_refunded(generation)
    assert generation.error == "Midjourney refused this job"
    assert sandbox_jobs(generation) == 1
    assert generation.finished_by == FinishedBy.POLL
    assert "Midjourney refused this job" in card_text(alice, generation)


def test_a_job_that_never_finishes_says_so_then_closes_at_its_deadline(
    alice, alice_key, sandbox_url, sandbox_clock
):
    inject("never_finish", alice_key, on="submit", remaining=1)
    generation = flux(alice, alice_key)
    Generation.objects.filter(pk=generation.pk).update(timeout=10)
    generation_submit(generation.pk)
    generation.refresh_from_db()
    assert generation.deadline_at <= timezone.now() + timedelta(seconds=10 + 120)

    # Long past its planned end at the provider, it is still running there and here.
    sandbox_clock.advance(60)
    for _ in range(2):
        make_due(generation)
        poll()
    generation.refresh_from_db()
    assert generation.status == Status.PROCESSING
    assert generation.status_note.startswith("creating, ")

    # Three minutes without news: the card says so, and when it will be closed.
    Generation.objects.filter(pk=generation.pk).update(
        news_at=timezone.now() - timedelta(minutes=3), next_poll_at=timezone.now()
    )
    poll()
    generation.refresh_from_db()
    closing = timezone.localtime(generation.deadline_at).strftime("%H:%M")
    assert generation.status_note.startswith("no news from the provider for 3 min: still waiting")
    assert f"closed at {closing}" in card_text(alice, generation)

    Generation.objects.filter(pk=generation.pk).update(deadline_at=timezone.now())
    poll()
    generation.refresh_from_db()
    assert_refunded(generation)
    assert "did not finish within the time limit (10 s)" in generation.error
    assert f"returned its {generation.cost} credits" in generation.error
    assert sandbox_jobs(generation) == 1


# --- a worker killed while sending -------------------------------------------------------------


def test_a_submit_left_in_flight_by_a_dead_worker_is_looked_up(alice, alice_key, sandbox_url):
    """The worker sent the job and died before storing the answer: after
    SUBMIT_STALE_SECONDS the poller finds the job by its ref instead of sending it again."""
    inject("lost_answer", alice_key, on="submit", remaining=1)
    generation = flux(alice, alice_key)
    generation_submit(generation.pk)
    # As a SIGKILL would leave it: SUBMITTING, no answer, nothing marked unknown.
    Generation.objects.filter(pk=generation.pk).update(
        outcome_unknown_at=None, updated_at=timezone.now() - timedelta(seconds=120)
    )
    assert_done_once(finish(generation))


# --- one key's capacity -------------------------------------------------------------------------


def test_many_jobs_of_one_key_stay_within_its_progress_rate(
    alice, alice_key, sandbox_url, settings
):
    """40 running jobs of one key, all due at once: the poller fetches them all within the
    provider's 10 requests/s (the sandbox answers 429 above it: none is seen, also when a busy
    machine delays sends and releases them together) and spaces each job's next poll by
    in-flight / rate s (the limiter sends a little under the rate, so the key always has a
    job due and its lane never idles)."""
    settings.SANDBOX_PROGRESS_RATE = 10
    # Pacing is under test, not timeouts: a busy machine must not turn a slow answer into a
    # lookup (a submit) or a failed poll.
    settings.PROVIDER_TIMEOUT = (5.0, 30.0)
    inject("never_finish", alice_key, on="submit")
    generations = [flux(alice, alice_key, f"a kite number {n}") for n in range(40)]
    for generation in generations:
        assert generation_submit(generation.pk) == Status.SUBMITTED
    Generation.objects.update(next_poll_at=timezone.now())

    poller.poll_loop(start_download=assets.generation_download, seconds=5)

    assert faults.rate_limited_count(faults.account_for_key(alice_key)) == 0
    for generation in Generation.objects.all():
        assert generation.status == Status.PROCESSING  # every one of them was asked
        gap = (generation.next_poll_at - generation.updated_at).total_seconds()
        assert gap >= 40 / 10 - 0.01
