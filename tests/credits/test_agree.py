"""Credits agree: after a job that is done, one the provider refused, and one cancelled
while running, all against the sandbox over real HTTP, the header's balance (the provider's
own account), the Usage page (the studio's ledger) and the gallery's cards tell one story:
what was spent is what the done job cost, and the other two say "refunded"."""

from __future__ import annotations

import re

import pytest

from studio.generation import assets, assist, poller, services, tasks
from studio.generation.models import Status
from studio.generation.submit import generation_submit
from studio.sandbox.clock import ManualClock
from studio.sandbox.imaginepro.services import sandbox_account_credits
from tests.factories import MidjourneyJobFactory
from tests.gallery.test_words import card_of, text_of
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_header_usage_and_cards_agree(alice, alice_key, alice_client, sandbox_url, settings):
    start = sandbox_account_credits(api_key=alice_key.api_key)

    done = run_to_final(
        services.flux_create(
            user=alice,
            provider_key=alice_key,
            prompt="a lighthouse at dusk",
            n=1,
            output_format="png",
            aspect_ratio="1:1",
            params={"prompt": "a lighthouse at dusk"},
        )
    )
    assert done.status == Status.DONE, done.error
    refused = run_to_final(
        MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a banned castle")
    )  # sandbox moderation
    assert refused.status == Status.FAILED and "Banned prompt" in refused.error

    settings.SANDBOX_CLOCK = ManualClock()  # the sandbox's time held: running when cancelled
    cancelled = MidjourneyJobFactory(
        user=alice, provider_key=alice_key, prompt="a lighthouse to cancel"
    )
    assert generation_submit(cancelled.pk) == Status.SUBMITTED
    alice_client.post(f"/g/{cancelled.pk}/cancel/", headers={"HX-Request": "true"})
    assert tasks.cancel(str(cancelled.pk)) == "sent"
    poller.poll_loop(start_download=assets.generation_download, seconds=20)
    cancelled.refresh_from_db()
    assert cancelled.is_cancelled, cancelled.error

    # The header: the provider's balance, read afresh.
    assist.balance_forget(alice_key)
    header = alice_client.get("/assist/credits/").content.decode()
    balance = int(re.search(r'data-balance="(\d+)"', header).group(1))
    # The Usage page: what the ledger says was spent this month.
    usage = alice_client.get("/usage/").content.decode()
    spent = int(re.search(r"<strong data-spent>(\d+)</strong>", usage).group(1))
    # The cards.
    wall = alice_client.get("/").content.decode()
    cards = {g: text_of(card_of(wall, g)) for g in (done, refused, cancelled)}

    assert f"{done.cost} credits ·" in cards[done] and "refunded" not in cards[done]
    assert f"{refused.cost} credits, refunded" in cards[refused]
    assert "10 credits, refunded" in cards[cancelled]
    assert spent == done.cost == 6
    assert start - balance == spent, (start, balance, spent)
