"""Staff pause the DIY queue from the console: a Midjourney generation submitted meanwhile
waits (its card stays submitted, without progress), and after Resume it completes. The real
worker cluster runs against the sandbox (SANDBOX_TIME_SCALE 0.05: a grid takes ~1.3 s)."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect

from studio.accounts.services import sandbox_key_create
from studio.console.models import AuditEntry
from studio.generation.models import Generation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 45_000  # ms
HELD = 5.0  # s the paused job is watched: ~4 times what the whole grid would take


def test_pause_holds_a_generation_until_resume(page: Page, live_server, cluster):
    staff = User.objects.create_user(
        "sam", "sam@example.com", "a-long-pass-phrase-42", is_staff=True
    )
    sandbox_key_create(user=staff)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("a-long-pass-phrase-42")
    page.locator("main").get_by_role("button", name="Log in").click()

    # Choose the console's DIY key, then pause the queue.
    page.goto(live_server.url + reverse("console:settings"))
    page.get_by_label(re.compile("Sandbox")).check()
    page.get_by_role("button", name="Use this key").click()
    expect(page.locator("#current-key")).to_contain_text("Sandbox")
    page.get_by_role("navigation", name="Staff console").get_by_role("link", name="Queue").click()
    expect(page.locator("#queue-state")).to_have_text("Running")
    page.get_by_role("button", name="Pause the queue").click()
    expect(page.locator("#queue-state")).to_have_text("Paused")

    # A Midjourney generation from the form waits in the paused queue.
    page.goto(live_server.url + reverse("generation:midjourney_new"))
    page.get_by_label("Prompt", exact=True).fill("a lighthouse in a paused queue")
    page.get_by_role("button", name="Generate").click()
    card = page.locator("#gallery-grid article").first
    expect(card).to_contain_text("a lighthouse in a paused queue")
    status = card.locator(".badge.status")
    expect(status).to_have_text("submitted", timeout=WAIT)
    generation = Generation.objects.get(prompt__startswith="a lighthouse")
    started = time.monotonic()
    while time.monotonic() - started < HELD:
        expect(status).to_have_text("submitted")
        generation.refresh_from_db()
        assert generation.status == "submitted" and generation.progress == 0
        time.sleep(0.5)
    expect(card.locator("img")).to_have_count(0)

    # The console counts it; Resume lets it run to the end.
    page.goto(live_server.url + reverse("console:index"))
    expect(page.locator("#queue-count")).to_have_text("1")
    page.get_by_role("button", name="Resume the queue").click()
    expect(page.locator("#queue-state")).to_have_text("Running")
    page.goto(f"{live_server.url}/")
    card = page.locator("#gallery-grid article").first
    expect(card.locator("img")).to_have_count(4, timeout=WAIT)
    expect(card.locator(".badge.status")).to_have_text("done")
    assert list(
        AuditEntry.objects.order_by("id").values_list("action", "user__username", "ok")
    ) == [
        ("settings.diy_key", "sam", True),
        ("queue.pause", "sam", True),
        ("queue.resume", "sam", True),
    ]
