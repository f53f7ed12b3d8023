"""A 429's Retry-After holds every request of its key, polls and submits alike, over real
HTTP against the sandbox's http_429 fault (studio.sandbox.faults).

Requests reaching the sandbox are counted with a zero-second latency fault: each request it
applies to takes one of its `remaining` uses.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from studio.accounts.services import sandbox_key_create
from studio.generation import assets, poller
from studio.generation.models import Generation, Status
from studio.generation.submit import generation_submit
from studio.sandbox import faults
from studio.sandbox.models import SandboxJob
from tests.support import flux

pytestmark = pytest.mark.django_db(transaction=True)

COUNTED = 1000


@pytest.fixture(autouse=True)
def _quick_clock(settings):
    settings.PROVIDER_TIMEOUT = (5.0, 10.0)
    settings.WEBHOOKS = False


def inject(kind, key, **options):
    return faults.inject(kind, account=faults.account_for_key(key), **options)


def counter(key, on):
    """A fault that changes nothing but counts the key's `on` requests (`requests(...)`)."""
    return inject("latency", key, on=on, seconds=0, remaining=COUNTED)


def requests(fault) -> int:
    fault.refresh_from_db()
    return COUNTED - fault.remaining


def running(alice, alice_key, prompt="a red kite") -> Generation:
    generation = flux(alice, alice_key, prompt)
    assert generation_submit(generation.pk) == Status.SUBMITTED
    return generation


def poll() -> None:
    poller.poll_once(start_download=assets.generation_download)


def seconds_until(moment) -> float:
    return (moment - timezone.now()).total_seconds()


def test_a_429_on_a_poll_holds_the_keys_submits(alice, alice_key, sandbox_url):
    first = running(alice, alice_key)
    inject("http_429", alice_key, on="fetch", remaining=1, seconds=20)
    Generation.objects.filter(pk=first.pk).update(next_poll_at=timezone.now())
    poll()  # 429, Retry-After: 20

    submits = counter(alice_key, "submit")
    second = flux(alice, alice_key, "a blue kite")
    assert generation_submit(second.pk) == Status.QUEUED
    second.refresh_from_db()
    assert requests(submits) == 0  # not sent at all
    assert not SandboxJob.objects.filter(ref=str(second.pk)).exists()
    assert second.status_note.startswith("waiting: rate limited, next try in ")
    assert 15 < seconds_until(second.next_poll_at) <= 20


def test_a_429_on_a_submit_holds_the_keys_polls(alice, alice_key, sandbox_url):
    first = running(alice, alice_key)
    Generation.objects.filter(pk=first.pk).update(next_poll_at=timezone.now())
    inject("http_429", alice_key, on="submit", remaining=1, seconds=20)
    second = flux(alice, alice_key, "a blue kite")
    assert generation_submit(second.pk) == Status.QUEUED  # 429, Retry-After: 20

    fetches = counter(alice_key, "fetch")
    poll()
    assert requests(fetches) == 0  # the running job was due, and waits for the Retry-After
    first.refresh_from_db()
    assert 15 < seconds_until(first.next_poll_at) <= 20

    # A third job of the key is not sent either, and says why.
    third = flux(alice, alice_key, "a green kite")
    assert generation_submit(third.pk) == Status.QUEUED
    third.refresh_from_db()
    assert third.status_note.startswith("waiting: rate limited, next try in ")
    assert not SandboxJob.objects.filter(ref=str(third.pk)).exists()


def test_another_keys_requests_are_not_held(alice, alice_key, sandbox_url):
    other_key = sandbox_key_create(user=alice)
    inject("http_429", alice_key, on="submit", remaining=1, seconds=20)
    assert generation_submit(flux(alice, alice_key).pk) == Status.QUEUED
    other = flux(alice, other_key)
    assert generation_submit(other.pk) == Status.SUBMITTED
    Generation.objects.filter(pk=other.pk).update(next_poll_at=timezone.now() - timedelta(1))
    fetches = counter(other_key, "fetch")
    poll()
    assert requests(fetches) == 1
