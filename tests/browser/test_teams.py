"""A team as two people click it in chromium, with the worker cluster running: the owner
creates a team, gives it a sandbox key and invites a username; the teammate opens the link
in another browser, logs in, accepts, and sees in the team gallery the image the owner made."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from studio.teams.models import Membership, Role
from tests.browser.menus import follow_new_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 45_000  # ms; the sandbox runs at 1/20 of real time in tests


@pytest.fixture
def alice_page(page: Page, live_server, client, alice) -> Page:
    """Alice's logged-in browser (no key of her own)."""
    client.force_login(alice)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_invite_accept_and_the_teammate_sees_the_new_image(
    alice_page: Page, browser: Browser, live_server, cluster
):
    User.objects.create_user("bob", "bob@example.com", "correct-horse-42")
    owner = alice_page

    # The owner creates a team and works in it.
    owner.goto(f"{live_server.url}/")
    owner.get_by_role("link", name="Teams", exact=True).click()
    owner.get_by_label("Team name").fill("Acme")
    owner.get_by_role("button", name="Create the team").click()
    expect(owner.get_by_role("heading", name=re.compile("^Acme"))).to_be_visible()
    expect(owner.locator("#workspace-select")).to_have_value(re.compile(r"[0-9a-f-]{36}"))
    expect(owner.locator("#workspace-select option:checked")).to_have_text("Acme")

    # A sandbox key for the team, shown by its name only.
    owner.get_by_role("button", name="Add a sandbox key to the team").click()
    expect(owner.get_by_text("Sandbox key added to the team")).to_be_visible()
    expect(owner.locator("#team-keys tbody tr")).to_have_count(1)

    # Invite bob by username; the page shows the link to copy.
    owner.get_by_label("Email or username").fill("bob")
    owner.get_by_role("button", name="Create the invitation link").click()
    expect(owner.get_by_text("Invitation ready: copy the link below for bob.")).to_be_visible()
    link = owner.locator("tr.new-invitation input[data-copy-source]").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/teams/join/[\w-]+/", link)

    # Bob, in his own browser, opens the link signed out: log in, back to the invitation.
    teammate_context = browser.new_context()
    teammate = teammate_context.new_page()
    try:
        teammate.goto(link)
        expect(teammate.get_by_role("heading", name="Join “Acme”")).to_be_visible()
        teammate.locator("#invitation").get_by_role("button", name="Log in").click()
        teammate.get_by_label("Username").fill("bob")
        teammate.get_by_label("Password").fill("correct-horse-42")
        teammate.locator("main").get_by_role("button", name="Log in").click()
        expect(teammate).to_have_url(link)
        teammate.get_by_role("button", name="Accept and join Acme").click()
        expect(teammate.get_by_text("Welcome to Acme: you are a creator.")).to_be_visible()
        expect(teammate.locator("#workspace-select option:checked")).to_have_text("Acme")
        assert Membership.objects.get(user__username="bob").role == Role.CREATOR

        # The owner generates in the team; the worker finishes it.
        follow_new_menu(owner, "Flux")
        owner.get_by_label("Prompt", exact=True).fill("a team lantern over the harbour")
        owner.get_by_role("button", name="Generate").click()
        owner_card = owner.locator("#gallery-grid article").first
        expect(owner_card).to_contain_text("a team lantern over the harbour")
        expect(owner_card.locator("img")).to_have_count(1, timeout=WAIT)

        # Bob sees it in the team gallery, image and all.
        teammate.reload()
        card = teammate.locator("#gallery-grid article", has_text="a team lantern")
        expect(card.locator("img")).to_have_count(1)
        card.locator("img").scroll_into_view_if_needed()
        expect(card.locator("img")).to_have_js_property("complete", True)
        assert card.locator("img").evaluate("img => img.naturalWidth") > 0

        # Switching to his personal workspace in the header: the team's image is not there.
        teammate.locator("#workspace-select").select_option(label="Personal")
        expect(teammate.locator("#workspace-select option:checked")).to_have_text("Personal")
        expect(teammate.locator("#gallery-grid")).not_to_contain_text("a team lantern")
    finally:
        teammate_context.close()
