"""The live channel in chromium: a teammate's new job appears at the top of the team's wall of
someone watching it, and its finished image replaces the running tile, with no reload and no
card polling on its own."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from studio.generation.models import Generation, Status
from studio.teams.models import Role
from tests.factories import AssetFactory, GenerationFactory, TeamFactory, UserFactory
from tests.support import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teammates_job_reaches_the_team_wall_and_finishes_in_place(
    browser: Browser, live_server, alice
):
    bob = UserFactory(username="bob")
    team = TeamFactory(name="Acme", members={alice: Role.OWNER, bob: Role.VIEWER})
    earlier = GenerationFactory(user=alice, team=team, images=1, prompt="an old harbour")
    Generation.objects.filter(pk=earlier.pk).update(created_at=timezone.now().replace(year=2025))
    client = client_for(bob, team)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        expect(page.locator(f"#card-{earlier.pk}")).to_be_visible()
        page.evaluate("window.sameDocument = true")  # gone if the page reloaded
        # No card asks for itself: one channel for the page.
        assert page.locator("article.card[hx-trigger]").count() == 0

        # Alice starts a job in the team: it is first on Bob's wall, running.
        job = GenerationFactory(
            user=alice, team=team, running=True, prompt="a new lantern", status_note="creating"
        )
        card = page.locator(f"#card-{job.pk}")
        expect(card).to_be_visible()
        expect(card.locator("progress")).to_have_count(1)
        assert page.locator("#gallery-grid article.card").first.get_attribute("id") == (
            f"card-{job.pk}"
        )

        # It finishes: the stored image replaces the running tile.
        AssetFactory(generation=job, index=1)
        Generation.objects.filter(pk=job.pk).update(
            status=Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
        expect(card.locator("img")).to_have_count(1)
        expect(card.locator("progress")).to_have_count(0)
        assert page.evaluate("window.sameDocument") is True
        assert page.locator(f"#card-{job.pk}").count() == 1  # added once

        # Bob's own job from elsewhere (another tab, another device) appears too.
        own = GenerationFactory(user=bob, team=team, running=True, prompt="bob's own kite")
        expect(page.locator(f"#card-{own.pk}")).to_be_visible()

        # A filtered page shows what matches only: a new job is not pushed onto it.
        page.goto(f"{live_server.url}/?q=harbour")
        other = GenerationFactory(user=alice, team=team, running=True, prompt="a kite")
        refreshed = GenerationFactory(user=alice, team=team, running=True, prompt="a harbour kite")
        page.wait_for_timeout(1500)  # several of the channel's checks
        assert page.locator(f"#card-{other.pk}").count() == 0
        assert page.locator(f"#card-{refreshed.pk}").count() == 0
    finally:
        context.close()
