"""ImagineLab in chromium with the worker cluster running: the sandbox in one click, music
from its form, and the gallery's audio player playing it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studio.generation.models import Asset, Generation, Model, Status
from tests.browser.menus import follow_new_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 60_000  # ms; the sandbox runs at 1/20 of real time in tests


def log_in(page: Page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()


def test_music_from_the_form_plays_in_the_gallery(page: Page, live_server, cluster, alice):
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/accounts/keys/")
    page.get_by_role("button", name="Use the ImagineLab sandbox").click()
    expect(page.get_by_text("ImagineLab sandbox ready")).to_be_visible()

    follow_new_menu(page, "ImagineLab")
    page.get_by_role("link", name="Music", exact=True).click()
    expect(page.locator(".cost")).to_contain_text("8 credits")
    page.get_by_label("Describe the music").fill("a calm harbour tune with soft bells")
    page.get_by_label("Duration (seconds)").fill("5")
    page.get_by_label("Genre").select_option("jazz")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("#gallery-grid article").first
    expect(card).to_contain_text("Music")
    expect(card.locator(".badge.provider")).to_have_text("ImagineLab")
    expect(card.locator(".badge.status")).to_have_text("done", timeout=WAIT)
    generation = Generation.objects.get(model=Model.IMAGINELAB)
    assert generation.status == Status.DONE
    stored = generation.assets.get(role=Asset.Role.AUDIO)
    expect(card.locator(".audios .duration")).to_have_text(f"{stored.duration:.1f} s")

    audio = card.locator("audio")
    expect(audio).to_have_count(1)
    handle = audio.element_handle()
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 0", arg=handle)
    assert audio.evaluate("a => a.duration") == pytest.approx(stored.duration, abs=0.2)
    audio.evaluate("a => { a.muted = true; return a.play(); }")
    page.wait_for_function("a => a.currentTime > 0.3", arg=handle, timeout=WAIT)
    assert audio.evaluate("a => a.paused") is False
