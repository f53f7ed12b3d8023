"""The provider's prompt check runs in the submit task, never in a web request.

A Midjourney submit from the form, the prompt bar (Compare and `{a, b}` batches too) or the
image-to-image tool answers at once with a QUEUED job: the provider is not asked anything
during the POST. The submit task then asks POST /nova/prompt-check once, just before the
submit: a refusal ends the job FAILED with the provider's reason on its card, "Edit prompt"
rather than Retry, nothing sent and the credits refunded (header, Usage and card agree); an
accepted prompt goes on to DONE; a check that cannot be made (500, 429) lets the job through.

Everything runs against the sandbox over real HTTP. The sandbox counts requests for us: a
`latency` fault of 0 s with many uses is taken once per request of its class, so the uses
gone are the requests that reached it.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from studio.credits import ledger
from studio.credits.models import LedgerEntry
from studio.generation import assist, transitions
from studio.generation.models import Generation, Model, PromptCheck, Status
from studio.generation.submit import generation_submit
from studio.sandbox import faults
from studio.sandbox.imaginepro.services import sandbox_account_credits
from studio.sandbox.models import SandboxJob
from tests.factories import MidjourneyJobFactory
from tests.gallery.test_words import card_of, text_of
from tests.generation.test_prompt_bar import HTMX, bar_post
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = 'Midjourney would refuse this prompt: Banned prompt detected: "banned"'
USES = 1000


class Requests:
    """How many requests of class `on` ("check": nova/prompt-check; "any": every API call)
    reached the sandbox since this counter was made."""

    def __init__(self, on: str) -> None:
        self.fault = faults.inject("latency", on=on, remaining=USES, seconds=0, note="counter")

    @property
    def seen(self) -> int:
        self.fault.refresh_from_db()
        return USES - self.fault.remaining

    def stop(self) -> None:
        self.fault.delete()


def mj_post(client, key, prompt: str, **fields):
    data = {"prompt": prompt, "speed": "fast", "key": str(key.pk), **fields}
    return client.post("/new/midjourney/", data)


def spent_and_balance(client, key) -> tuple[int, int]:
    """(what the Usage page says was spent, the header's balance read afresh)."""
    usage = client.get("/usage/").content.decode()
    spent = int(re.search(r"<strong data-spent>(\d+)</strong>", usage).group(1))
    assist.balance_forget(key)
    header = client.get("/assist/credits/").content.decode()
    return spent, int(re.search(r'data-balance="(\d+)"', header).group(1))


def test_the_form_asks_nothing_and_the_task_refuses_with_a_refund(
    alice_client, alice_key, sandbox_url
):
    api_calls = Requests("any")

    response = mj_post(alice_client, alice_key, "a banned castle")

    assert response.status_code == 302  # accepted: the provider decides later
    generation = Generation.objects.get()
    assert generation.status == Status.QUEUED
    assert generation.prompt_check == PromptCheck.PENDING
    assert api_calls.seen == 0  # not one request to the provider during the POST
    api_calls.stop()

    checks = Requests("check")
    generation = run_to_final(generation)

    assert generation.status == Status.FAILED
    assert generation.error == REFUSED
    assert checks.seen == 1
    assert generation.message_id == "" and not SandboxJob.objects.exists()  # nothing sent
    assert ledger.refunded(generation.pk) == generation.cost == 10
    assert spent_and_balance(alice_client, alice_key) == (0, 1000)
    card = card_of(alice_client.get("/").content.decode(), generation)
    assert REFUSED in unescape(text_of(card))
    assert "10 credits, refunded" in text_of(card)
    edit = f'href="{reverse("generation:midjourney_new")}?retry={generation.pk}">Edit prompt</a>'
    assert edit in card and "Retry" not in card


def test_the_bar_asks_nothing_and_each_job_of_a_batch_is_checked_alone(
    alice_client, alice_key, sandbox_url
):
    api_calls = Requests("any")
    data = bar_post(alice_key, prompt="a {banned, quiet} castle", models=["midjourney", "flux"])

    response = alice_client.post("/bar/", data, headers=HTMX)

    assert response.status_code == 200, response.content.decode()
    made = list(Generation.objects.order_by("created_at"))
    assert [g.status for g in made] == [Status.QUEUED] * 4
    assert api_calls.seen == 0
    api_calls.stop()

    checks = Requests("check")
    finals = {(g.model, g.prompt.split(" --")[0]): run_to_final(g) for g in made}

    refused = finals[(Model.MIDJOURNEY, "a banned castle")]
    assert refused.status == Status.FAILED and refused.error == REFUSED
    assert finals[(Model.MIDJOURNEY, "a quiet castle")].status == Status.DONE
    # Flux asks no check: the sandbox's own moderation refuses its banned prompt.
    assert finals[(Model.FLUX, "a banned castle")].status == Status.FAILED
    assert "Banned prompt" in finals[(Model.FLUX, "a banned castle")].error
    assert finals[(Model.FLUX, "a quiet castle")].status == Status.DONE
    assert checks.seen == 2  # the two Midjourney jobs, once each
    assert refused.message_id == "" and not SandboxJob.objects.filter(prompt=refused.prompt)


def test_an_accepted_prompt_goes_to_done_after_one_check(alice_client, alice_key, sandbox_url):
    mj_post(alice_client, alice_key, "a lighthouse at dusk")
    checks = Requests("check")

    generation = run_to_final(Generation.objects.get())

    assert generation.status == Status.DONE, generation.error
    assert generation.prompt_check == PromptCheck.ASKED
    assert checks.seen == 1
    assert spent_and_balance(alice_client, alice_key) == (10, 990)


@pytest.mark.parametrize(
    ("kind", "seconds"),
    [("http_500", None), ("http_429", 1), ("latency", 3)],  # latency: past the read timeout
)
def test_a_check_that_cannot_be_made_lets_the_job_through(
    alice, alice_key, sandbox_url, monkeypatch, kind, seconds
):
    monkeypatch.setattr(assist, "ASSIST_TIMEOUT", (1.0, 0.5))
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, check_prompt=True)
    broken = faults.inject(kind, on="check", remaining=1, seconds=seconds)

    generation = run_to_final(generation)

    assert generation.status == Status.DONE, generation.error
    broken.refresh_from_db()
    assert broken.remaining == 0  # the check was asked, and gave no answer
    assert SandboxJob.objects.filter(pk=generation.message_id).exists()  # sent once


def test_a_requeued_submit_does_not_check_or_charge_twice(alice, alice_key, sandbox_url):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, check_prompt=True)
    faults.inject("http_500", on="submit", remaining=1)  # safe to retry: back to the queue
    checks = Requests("check")

    assert generation_submit(generation.pk) == Status.QUEUED
    assert generation_submit(generation.pk) == Status.SUBMITTED
    assert generation_submit(generation.pk) == "not claimed"  # a duplicated task

    assert checks.seen == 1
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    assert checks.seen == 1
    assert ledger.net(generation.pk) == 10  # one charge, kept
    assert LedgerEntry.objects.filter(generation=generation).count() == 1


def test_the_check_is_taken_once_and_only_while_submitting(alice, alice_key):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, check_prompt=True)

    assert not transitions.take_prompt_check(generation.pk)  # QUEUED: not yet
    Generation.objects.filter(pk=generation.pk).update(status=Status.SUBMITTING)
    assert transitions.take_prompt_check(generation.pk)
    assert not transitions.take_prompt_check(generation.pk)
    unchecked = MidjourneyJobFactory(user=alice, provider_key=alice_key)
    Generation.objects.filter(pk=unchecked.pk).update(status=Status.SUBMITTING)
    assert not transitions.take_prompt_check(unchecked.pk)


def test_image_to_image_asks_nothing_in_the_request_and_the_task_checks_the_text(
    alice_client, alice_key, sandbox_url, settings, live_server
):
    from tests.generation.test_models_tools import png

    settings.PUBLIC_BASE_URL = live_server.url
    api_calls = Requests("any")
    response = alice_client.post(
        reverse("generation:tool", args=["image-to-image"]),
        {
            "image_files": [png("red")],
            "prompt": "a banned castle",
            "speed": "fast",
            "key": alice_key.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()
    generation = Generation.objects.get()
    assert generation.status == Status.QUEUED and api_calls.seen == 0
    api_calls.stop()
    generation = run_to_final(generation)
    assert generation.status == Status.FAILED and generation.error == REFUSED
    assert not SandboxJob.objects.exists()
    assert sandbox_account_credits(api_key=alice_key.api_key) == 1000
    card = card_of(alice_client.get("/").content.decode(), generation)
    edit = reverse("generation:tool", args=["image-to-image"]) + f"?retry={generation.pk}"
    assert f'href="{edit}">Edit prompt</a>' in card and "Retry" not in card
