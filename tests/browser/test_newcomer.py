"""A newcomer's first visit, as a person would click it, with the worker cluster running."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studio.generation.models import Generation
from tests.browser.menus import follow_new_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 45_000  # ms; the sandbox runs at 1/20 of real time in tests


def test_sign_up_sandbox_flux_midjourney_upscale(page: Page, live_server, cluster):
    # Sign up.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.locator("#id_password1").fill("a-long-pass-phrase-42")
    page.locator("#id_password2").fill("a-long-pass-phrase-42")
    page.locator("main").get_by_role("button", name="Sign up").click()

    # No key yet: the studio offers the sandbox.
    expect(page.get_by_role("heading", name="Provider keys")).to_be_visible()
    page.get_by_role("button", name="Use the sandbox").click()
    expect(page.get_by_text("Sandbox ready")).to_be_visible()

    # Flux: one image, shown in the gallery once the worker has stored it.
    follow_new_menu(page, "Flux")
    page.get_by_label("Prompt", exact=True).fill("a red fox in fresh snow")
    expect(page.locator("#cost")).to_contain_text("6 credits")
    page.get_by_role("button", name="Generate").click()
    flux_card = page.locator("#gallery-grid article").first
    expect(flux_card).to_contain_text("Flux")
    expect(flux_card.locator("img")).to_have_count(1, timeout=WAIT)
    expect(flux_card.locator(".badge.status")).to_have_text("done")
    expect(flux_card.locator(".badge.sandbox")).to_be_visible()

    # Midjourney: the preview shows the prompt as it will be sent, and its price.
    follow_new_menu(page, "Midjourney")
    page.get_by_label("Prompt", exact=True).fill("a lighthouse at dusk --chaos 10")
    page.get_by_label("Relax · 5 credits").check()
    expect(page.locator("#composed-prompt")).to_have_text("a lighthouse at dusk --chaos 10 --relax")
    expect(page.locator("#cost")).to_have_text("5 credits")
    page.get_by_role("button", name="Generate").click()
    grid_card = page.locator("#gallery-grid article").first
    expect(grid_card).to_contain_text("a lighthouse at dusk")
    expect(grid_card.locator("img")).to_have_count(4, timeout=WAIT)

    # U1 ("Upscale 1"): a child generation appears at the top and ends as one upscaled image.
    grid_card.get_by_role("button", name="Upscale 1").click()  # the U1 button, by its label
    child_card = page.locator("#gallery-grid article").first
    expect(child_card).to_contain_text("Upscale 1 of Midjourney")
    expect(child_card.locator("img")).to_have_count(1, timeout=WAIT)

    # The child's detail page links to its parent, and the parent's back to the child.
    child_card.get_by_role("link", name="Upscale 1 of Midjourney", exact=True).click()
    page.locator("a.parent-link").click()
    expect(page.locator("a.child-link")).to_contain_text("Upscale 1")

    parent = Generation.objects.get(action="imagine", model="midjourney")
    assert parent.children.get().button == "U1"
