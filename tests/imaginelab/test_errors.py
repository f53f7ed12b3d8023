"""ImagineLab's documented errors as a person meets them: 402 (not enough credits, with the
wallet), 429 (waits and retries by itself), and `{"detail": ...}` texts on the card."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.accounts import services as key_services
from studio.credits import ledger
from studio.generation import assets, poller
from studio.generation.models import Generation, Status
from studio.generation.submit import generation_submit
from studio.imaginelab import services
from studio.sandbox.imaginelab.models import SandboxLabAccount, SandboxLabGeneration
from studio.sandbox.imaginelab.services import sandbox_lab_account_create
from tests.imaginelab.conftest import lab_form
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


def force_429(key, times: int) -> None:
    """The sandbox's fault hook: the account's next `times` requests answer 429."""
    account = SandboxLabAccount.objects.get(api_key_last4=key.last4)
    SandboxLabAccount.objects.filter(pk=account.pk).update(force_429=times)


def test_not_enough_credits_fails_with_the_balance_and_refunds(alice, alice_client, sandbox_url):
    _email, _password, api_key = sandbox_lab_account_create(label="poor", credits=3)
    key, _warning = key_services.lab_key_create(
        user=alice, name="Poor", api_key=api_key, is_sandbox=True
    )
    response = lab_form(alice_client, "image", key, "seedream-5.0-lite", "an expensive fox")
    assert response.status_code == 302
    generation = Generation.objects.get(prompt="an expensive fox")
    assert ledger.net(generation.pk) == 5  # charged when it was made
    generation = run_to_final(generation)
    assert generation.status == Status.FAILED
    assert generation.error == "Not enough ImagineLab credits: this needs 5, the wallet has 3."
    assert ledger.net(generation.pk) == 0  # refunded
    assert not generation.message_id and not generation.assets.exists()
    assert not SandboxLabGeneration.objects.exists()  # nothing half-done at the provider
    assert services.wallet_balance(key) == 3
    card = alice_client.get(reverse("generation:card", args=[generation.pk])).content.decode()
    assert "Not enough ImagineLab credits: this needs 5, the wallet has 3." in card
    assert f'href="{reverse("imaginelab:credits")}?key={key.pk}"' in card  # Wallet and packages


def test_a_wallet_the_header_just_read_refuses_a_job_it_cannot_pay(
    alice, alice_client, sandbox_url
):
    _email, _password, api_key = sandbox_lab_account_create(label="poor", credits=4)
    key, _warning = key_services.lab_key_create(
        user=alice, name="Poor", api_key=api_key, is_sandbox=True
    )
    header = alice_client.get(reverse("generation:credits"), headers={"HX-Request": "1"})
    assert 'data-balance="4"' in header.content.decode()  # the header read the wallet

    response = lab_form(alice_client, "video", key, "kinetic-2", "a costly wave", duration="5")

    assert response.status_code == 400
    assert (
        "This video costs 15 credits; the ImagineLab wallet of “Poor” has 4. Top up under "
        "Wallet and packages, or choose a cheaper model."
    ) in response.content.decode()
    assert not Generation.objects.filter(prompt="a costly wave").exists()
    assert not SandboxLabGeneration.objects.exists()


def test_rate_limited_submit_waits_then_goes_through(alice_client, lab_key):
    lab_form(alice_client, "voice", lab_key, "vocalis-1", "hello from the quay")
    generation = Generation.objects.get(prompt="hello from the quay")
    force_429(lab_key, 6)  # more than SUBMIT_MAX_ATTEMPTS: a 429 does not use attempts up
    for _ in range(6):
        assert generation_submit(generation.pk) == Status.QUEUED
        generation.refresh_from_db()
        assert generation.status_note == "waiting: rate limited, next try in 1 s"
        card = alice_client.get(reverse("generation:card", args=[generation.pk])).content.decode()
        # The card counts the wait down from the stored time (1 s, then "a moment").
        assert "waiting: rate limited, next try in" in card
        Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    generation = run_to_final(generation, seconds=20)
    assert generation.status == Status.DONE, generation.error
    assert generation.assets.count() == 1


def test_rate_limited_polls_wait_with_the_same_note(alice_client, lab_key):
    lab_form(alice_client, "text", lab_key, "scribe-1", "a note on patience")
    generation = Generation.objects.get(prompt="a note on patience")
    assert generation_submit(generation.pk) == Status.SUBMITTED
    force_429(lab_key, 1)
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    poller.poll_once(start_download=assets.generation_download)
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    assert re.fullmatch(r"waiting: rate limited, next try in \d+ s", generation.status_note)
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    generation.refresh_from_db()
    assert generation.status == Status.DONE, generation.error


def test_detail_texts_surface_on_the_card(alice, alice_client, lab_key):
    # A 400 at submit: the provider's `detail` says what was wrong.
    refused = services.lab_create(
        alice, lab_key, "image", "seedream-5.0-lite", "a square fox", {"aspect_ratio": "7:5"}
    )
    refused = run_to_final(refused)
    assert refused.status == Status.FAILED
    assert "Invalid value for aspect_ratio" in refused.error
    assert ledger.net(refused.pk) == 0
    # A job the provider fails: its own reason.
    failed = services.lab_create(
        alice, lab_key, "image", "seedream-5.0-lite", "a forbidden harbour", {}
    )
    failed = run_to_final(failed)
    assert failed.status == Status.FAILED
    assert "Content policy violation" in failed.error
    page = alice_client.get(reverse("generation:gallery")).content.decode()
    assert "Invalid value for aspect_ratio" in page
    assert "Content policy violation" in page
    assert page.count("Retry with the same settings") == 1  # the refused prompt: edit it
    assert page.count(">Edit prompt</a>") == 1


def test_a_key_of_the_other_provider_fails_clearly_and_sends_nothing(alice, lab_key):
    from studio.generation import services as generation_services

    generation = generation_services.flux_create(
        user=alice,
        provider_key=lab_key,
        prompt="a flux fox",
        n=1,
        output_format="png",
        params={},
    )
    assert generation_submit(generation.pk) == Status.FAILED
    generation.refresh_from_db()
    assert "is for ImagineLab, which does not make Flux generations" in generation.error
    assert ledger.net(generation.pk) == 0
    assert not SandboxLabGeneration.objects.exists()
