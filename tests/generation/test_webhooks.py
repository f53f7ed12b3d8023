"""The webhook receiver: the sandbox POSTs each job's Message to the
generation's secret address; late, duplicated, out-of-order or missing deliveries end in the
right state exactly once, and polling is the backstop.

The sandbox delivers to `live_server`; django-q runs tasks inline (Conf.SYNC) once the
submit is done, so the webhook's download happens as the cluster would do it.
"""

from __future__ import annotations

import json
import time

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf

from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from studio.generation import assets, poller
from studio.generation.models import FinishedBy, Generation, Status
from studio.generation.submit import generation_submit
from studio.sandbox import faults
from studio.sandbox.clock import ManualClock
from studio.sandbox.models import SandboxJob
from tests.factories import FluxJobFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _webhooks_on(settings, live_server, sandbox_url):
    settings.WEBHOOKS = True
    settings.WEBHOOK_BASE_URL = live_server.url
    settings.PROVIDER_TIMEOUT = (2.0, 2.5)  # a busy machine still answers a 502 in time
    settings.LOOKUP_INTERVAL = 0.2


@pytest.fixture
def tasks_inline(monkeypatch):
    """Call after the submit: from then on async_task runs at once (the webhook's download)."""
    return lambda: monkeypatch.setattr(Conf, "SYNC", True)


def wait_until(condition, seconds=20.0) -> None:
    """Wait for something the sandbox does on its own clock (a webhook delivery)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not condition():
        time.sleep(0.05)


def delivered(generation) -> bool:
    """The sandbox has made every delivery it will make for this generation's job."""
    return (
        SandboxJob.objects.filter(ref=str(generation.pk))
        .exclude(webhook_sent_at=None)
        .filter(Q(webhook_status__isnull=False) | Q(webhook_error__gt=""))
        .exists()
    )


def final(generation) -> bool:
    return Generation.objects.filter(
        pk=generation.pk, status__in=(Status.DONE, Status.FAILED)
    ).exists()


def assert_done_once(generation) -> None:
    generation.refresh_from_db()
    assert generation.status == Status.DONE, generation.error
    assert SandboxJob.objects.filter(ref=str(generation.pk)).count() == 1
    assert LedgerEntry.objects.filter(generation=generation, kind=Kind.CHARGE).count() == 1
    assert ledger.net(generation.pk) == generation.cost
    assert generation.assets.count() == 1  # stored once, however often the news came


def submit(generation, tasks_inline) -> None:
    assert generation_submit(generation.pk) == Status.SUBMITTED
    tasks_inline()


def test_the_webhook_alone_finishes_a_job(alice, alice_key, tasks_inline, live_server):
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    submit(generation, tasks_inline)
    job = SandboxJob.objects.get(ref=str(generation.pk))
    assert job.webhook_url.startswith(live_server.url + "/hooks/generations/")
    assert generation.webhook_token in job.webhook_url

    wait_until(lambda: final(generation))  # no poller runs in this test
    assert_done_once(generation)
    generation.refresh_from_db()
    assert generation.finished_by == FinishedBy.WEBHOOK
    assert generation.webhook_expected and generation.webhook_at is not None


@pytest.mark.parametrize("kind", ["webhook_duplicate", "webhook_out_of_order"])
def test_repeated_or_stale_webhooks_change_nothing(alice, alice_key, tasks_inline, kind):
    faults.inject(kind, account=faults.account_for_key(alice_key), on="submit", remaining=1)
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    submit(generation, tasks_inline)

    wait_until(lambda: delivered(generation))
    assert_done_once(generation)
    generation.refresh_from_db()
    assert generation.finished_by == FinishedBy.WEBHOOK and generation.progress == 100


def test_a_late_webhook_after_the_poller_finished_changes_nothing(alice, alice_key, tasks_inline):
    faults.inject("webhook_late", account=faults.account_for_key(alice_key), on="submit", seconds=2)
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    submit(generation, tasks_inline)
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    generation.refresh_from_db()
    assert generation.status == Status.DONE and generation.finished_by == FinishedBy.POLL

    wait_until(lambda: delivered(generation))
    job = SandboxJob.objects.get(ref=str(generation.pk))
    assert job.webhook_status == 200  # received, and a no-op
    assert_done_once(generation)


def test_without_a_webhook_the_poller_finishes(alice, alice_key, tasks_inline):
    faults.inject("webhook_never", account=faults.account_for_key(alice_key), on="submit")
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    submit(generation, tasks_inline)
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    assert_done_once(generation)
    generation.refresh_from_db()
    assert generation.finished_by == FinishedBy.POLL


def test_with_webhooks_off_nothing_is_asked_and_the_poller_finishes(alice, alice_key, settings):
    settings.WEBHOOKS = False
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    generation_submit(generation.pk)
    assert SandboxJob.objects.get(ref=str(generation.pk)).webhook_url == ""
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    assert_done_once(generation)


def test_a_webhook_with_our_ref_resolves_a_lost_submit_answer(alice, alice_key, tasks_inline):
    faults.inject("lost_answer", account=faults.account_for_key(alice_key), on="submit")
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    assert generation_submit(generation.pk) == Status.SUBMITTING
    tasks_inline()

    wait_until(lambda: final(generation))  # no poller, no lookup: the webhook tells us
    assert_done_once(generation)
    generation.refresh_from_db()
    assert generation.finished_by == FinishedBy.WEBHOOK
    assert generation.message_id == str(SandboxJob.objects.get(ref=str(generation.pk)).pk)


def test_once_a_keys_webhooks_arrive_polls_are_only_a_slow_backstop(
    alice, alice_key, tasks_inline, settings, monkeypatch
):
    earlier = FluxJobFactory(user=alice, provider_key=alice_key, prompt="an earlier job")
    submit(earlier, tasks_inline)
    wait_until(lambda: final(earlier))
    assert Generation.objects.get(pk=earlier.pk).finished_by == FinishedBy.WEBHOOK
    monkeypatch.setattr(Conf, "SYNC", False)  # the next submit is ours to run
    # The sandbox's clock held from here: the next job is still running when it is polled,
    # however slow the machine.
    settings.SANDBOX_CLOCK = ManualClock()
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    generation_submit(generation.pk)
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())

    poller.poll_once(start_download=assets.generation_download)
    generation.refresh_from_db()
    wait = (generation.next_poll_at - timezone.now()).total_seconds()
    assert settings.WEBHOOK_POLL_INTERVAL - 2 < wait <= settings.WEBHOOK_POLL_INTERVAL


# --- the receiver's refusals: nothing changes -----------------------------------------------


def hook_url(generation, token=None) -> str:
    return reverse("generation:webhook", args=[generation.pk, token or generation.webhook_token])


def test_a_wrong_token_or_id_is_a_bare_404(alice, alice_key):
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    body = json.dumps({"messageId": "x", "status": "DONE"})
    client = Client()
    for url in (
        hook_url(generation, "not-the-token"),
        reverse("generation:webhook", args=["00000000-0000-0000-0000-000000000000", "t" * 43]),
    ):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 404 and response.content == b"Not found."
    assert client.get(hook_url(generation)).status_code == 405


def test_another_jobs_message_or_a_bad_body_changes_nothing(alice, alice_key, settings):
    settings.WEBHOOKS = False
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    generation_submit(generation.pk)
    generation.refresh_from_db()
    client = Client()
    other = {"messageId": "someone-elses-job", "status": "DONE", "ref": str(generation.pk)}

    answers = [
        client.post(hook_url(generation), json.dumps(other), content_type="application/json"),
        client.post(hook_url(generation), "not json", content_type="application/json"),
        client.post(hook_url(generation), "x" * (1024 * 1024 + 1), content_type="text/plain"),
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 413]
    after = Generation.objects.get(pk=generation.pk)
    assert (after.status, after.message_id, after.webhook_at) == (
        generation.status,
        generation.message_id,
        None,
    )


def test_a_webhook_from_the_provider_is_accepted_without_a_session(alice, alice_key, settings):
    settings.WEBHOOKS = False
    generation = FluxJobFactory(user=alice, provider_key=alice_key)
    generation_submit(generation.pk)
    generation.refresh_from_db()
    news = {"messageId": generation.message_id, "status": "PROCESSING", "progress": 40}

    response = Client(enforce_csrf_checks=True).post(
        hook_url(generation), json.dumps(news), content_type="application/json"
    )

    assert response.status_code == 200 and response.json() == {"ok": True, "changed": True}
    generation.refresh_from_db()
    assert generation.status == Status.PROCESSING and generation.progress == 40
    assert generation.status_note == "creating, 40 %"
