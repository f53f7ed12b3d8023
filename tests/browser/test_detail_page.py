"""A generation's detail page in chromium: the star of a running job is the card's small
one, and once the job is done (the page reloads itself) the star is still there, by the
title, in the same state."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from studio.generation.models import Generation, Status
from tests.factories import AssetFactory, GenerationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAR_MAX = 32  # px: a star, not a solid button (Pico's default button was 152×62)


def log_in(page: Page, live_server, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()


def small_star(page: Page):
    star = page.locator("main button.star")
    expect(star).to_have_count(1)
    box = star.bounding_box()
    assert box and box["width"] <= STAR_MAX and box["height"] <= STAR_MAX, box
    background = star.evaluate("b => getComputedStyle(b).backgroundColor")
    assert background in ("rgba(0, 0, 0, 0)", "transparent"), background
    return star


@pytest.mark.parametrize(
    "viewport", [{"width": 1400, "height": 900}, {"width": 390, "height": 844}]
)
def test_the_star_is_small_while_running_and_stays_when_done(
    page: Page, live_server, alice, viewport
):
    page.set_viewport_size(viewport)
    running = GenerationFactory(
        user=alice, status=Status.PROCESSING, progress=31, prompt="a lighthouse being drawn"
    )
    log_in(page, live_server, running.get_absolute_url())

    star = small_star(page)
    star.click()
    expect(page.locator("main button.star")).to_have_attribute("aria-pressed", "true")

    # The job ends: its card's next poll finds it done and the page reloads with the images.
    AssetFactory(generation=running)
    Generation.objects.filter(pk=running.pk).update(
        status=Status.DONE, progress=100, finished_at=timezone.now(), updated_at=timezone.now()
    )
    expect(page.locator(".full-images img")).to_have_count(1, timeout=15_000)
    star = small_star(page)
    expect(star).to_have_attribute("aria-pressed", "true")
    star.click()
    expect(page.locator("main button.star")).to_have_attribute("aria-pressed", "false")
