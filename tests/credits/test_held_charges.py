"""A job whose submit answer was lost holds its charge while the studio checks with the
provider (studio.generation.lookup). When those held credits are what puts a new job over a
monthly cap, the refusal says so and links the job; once the check gives up and refunds,
the same submit goes through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.credits import ledger
from studio.generation import assets, poller
from studio.generation.models import Generation, Status
from studio.generation.submit import generation_submit
from studio.sandbox import faults
from tests.credits.conftest import login, set_caps
from tests.credits.test_budgets import flux_form, spend
from tests.factories import FluxJobFactory
from tests.generation.test_prompt_bar import bar_post

pytestmark = pytest.mark.django_db(transaction=True)

HELD = (
    "6 credits are held by a job whose outcome we are still checking ({link}); if the "
    "provider never received it, they come back within {minutes} minutes."
)


@pytest.fixture(autouse=True)
def _quick_lookups(settings):
    settings.PROVIDER_TIMEOUT = (2.0, 2.5)  # a busy machine still answers a 502 in time
    settings.WEBHOOKS = False


def lost_answer(user, key) -> Generation:
    """A 6-credit Flux job whose submit answer is lost (the provider answers 502): charged,
    SUBMITTING, and being looked up."""
    faults.inject("http_502", account=faults.account_for_key(key), on="submit", remaining=1)
    generation = FluxJobFactory(user=user, provider_key=key)
    assert generation_submit(generation.pk) == Status.SUBMITTING
    generation.refresh_from_db()
    assert generation.outcome_unknown_at is not None
    return generation


@pytest.mark.parametrize(
    ("cap", "which"),
    [("team", "the monthly cap of Acme"), ("member", "your monthly cap in Acme")],
)
def test_a_refusal_names_the_held_credits_and_links_the_job(
    alice, carol, acme, team_key, sandbox_url, cap, which
):
    if cap == "team":
        set_caps(acme, team_cap=100)
        spend(acme, alice, 85)
    else:
        set_caps(acme, carol=100)
        spend(acme, carol, 85)
    held = lost_answer(carol, team_key)  # 91 of 100 now, 6 of them held
    # Its check gives up in 12½ minutes (the lookup set it from the send time and timeout).
    Generation.objects.filter(pk=held.pk).update(
        deadline_at=timezone.now() + timedelta(minutes=12, seconds=30)
    )
    client = login(carol, acme)

    # 24 credits would not fit even without the held 6: the usual sentence, nothing more.
    big = client.post("/new/flux/", flux_form(team_key, n=4)).content.decode()
    assert f"This would pass {which}: 91 of 100 credits spent this month, and this costs 24." in big
    assert "still checking" not in big

    # 12 credits fit but for the held 6: the refusal says so and links the job.
    refused = client.post("/new/flux/", flux_form(team_key, n=2))
    html = refused.content.decode()
    assert refused.status_code == 400
    url = reverse("generation:detail", args=[held.pk])
    link = f'<a href="{url}">Flux “a lighthouse at dusk”</a>'
    assert (
        f"This would pass {which}: 91 of 100 credits spent this month, and this costs 12." in html
    )
    assert HELD.format(link=link, minutes=13) in html
    assert "A team owner (alice, bob) can raise it, or wait for that check." in html
    assert client.get(url).status_code == 200  # the link opens the job's page
    # The prompt bar says the same, swapped in by htmx or as a message on the gallery.
    bar = bar_post(team_key, models=["flux"], **{"flux-n": "2"})
    assert link in client.post("/bar/", bar, headers={"HX-Request": "true"}).content.decode()
    assert link in client.post("/bar/", bar, follow=True).content.decode()
    assert Generation.objects.count() == 1

    # The check gives up at the deadline and refunds the 6: the same submit goes through.
    Generation.objects.filter(pk=held.pk).update(
        deadline_at=timezone.now(), next_poll_at=timezone.now()
    )
    poller.poll_once(start_download=assets.generation_download)
    held.refresh_from_db()
    assert held.status == Status.FAILED and ledger.net(held.pk) == 0
    assert client.post("/new/flux/", flux_form(team_key, n=2)).status_code == 302
