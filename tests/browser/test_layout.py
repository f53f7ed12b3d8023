"""Phone (390×844) and desktop (1280×800): every page the navigation links to, for a creator
and for staff, fits the window with no horizontal scroll (wide tables scroll in their own
box); on a phone the navigation is a menu behind a disclosure button that works with the
keyboard and still reaches Log out; the colour theme switch persists."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from studio.teams.models import Team
from tests.browser.studio_pages import (
    DESKTOP,
    PHONE,
    console_pages,
    creator_with_work,
    horizontal_overflow,
    nav_links,
    signed_in,
    staff_with_console,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit_all(page: Page, live_server, paths: list[str]) -> list[str]:
    """Open each path; return a sentence for each page that scrolls sideways or fails."""
    problems = []
    for path in paths:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        if response is None or response.status != 200:
            problems.append(f"{path}: status {response and response.status}")
            continue
        found = horizontal_overflow(page)
        if found["scrollWidth"] > found["clientWidth"]:
            problems.append(
                f"{path}: {found['scrollWidth']} px wide in {found['clientWidth']} px "
                f"({', '.join(found['past'])})"
            )
    problems.extend(f"CSP: {text}" for text in page.csp_violations)
    return problems


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_no_horizontal_scroll_for_a_creator(browser: Browser, live_server, sandbox_url, viewport):
    user, grid = creator_with_work()
    context, page = signed_in(browser, live_server, user, viewport)
    page.goto(f"{live_server.url}/")
    paths = nav_links(page, live_server)
    for expected in ("/", reverse("keys"), reverse("teams:index"), reverse("generation:tools")):
        assert expected in paths, paths
    # One click further: a detail page from the gallery, the team's page from Teams.
    team = Team.objects.get(name="Acme illustrators")
    paths += [grid.get_absolute_url(), reverse("teams:detail", args=[team.pk])]
    problems = visit_all(page, live_server, paths)
    assert not problems, "\n".join(problems)
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_no_horizontal_scroll_for_staff(browser: Browser, live_server, sandbox_url, viewport):
    user = staff_with_console()
    context, page = signed_in(browser, live_server, user, viewport)
    page.goto(f"{live_server.url}/")
    paths = nav_links(page, live_server)
    assert reverse("console:index") in paths, paths
    console = console_pages(page, live_server)
    for name in ("console:accounts", "console:trace", "banwords:history", "banwords:provider"):
        assert reverse(name) in console, console
    problems = visit_all(page, live_server, paths + [p for p in console if p not in paths])
    assert not problems, "\n".join(problems)
    context.close()


def test_the_phone_menu_is_a_keyboard_disclosure(browser: Browser, live_server, sandbox_url):
    user, _ = creator_with_work()
    context, page = signed_in(browser, live_server, user, PHONE)
    page.goto(f"{live_server.url}/")
    header = page.get_by_role("banner")
    menu_button = header.get_by_role("button", name="Menu")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(header.get_by_role("link", name="Tools", exact=True)).to_be_hidden()

    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    for name in ("Gallery", "Tools", "Collections", "Teams"):
        expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
    header.locator(".account-menu summary").click()
    expect(header.get_by_role("button", name="Log out")).to_be_visible()
    assert horizontal_overflow(page)["scrollWidth"] <= PHONE["width"]

    page.keyboard.press("Escape")  # closes the menu, focus back on its button
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(menu_button).to_be_focused()
    page.keyboard.press("Space")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    assert page.csp_violations == []
    context.close()


def test_desktop_shows_the_navigation_and_the_balance_even_on_a_form_with_errors(
    browser: Browser, live_server, sandbox_url
):
    user, _ = creator_with_work()
    context, page = signed_in(browser, live_server, user, DESKTOP)
    page.goto(f"{live_server.url}/")
    header = page.get_by_role("banner")
    expect(header.get_by_role("button", name="Menu")).to_be_hidden()
    expect(header.get_by_role("link", name="Tools", exact=True)).to_be_visible()
    expect(header.locator("#credits [data-balance]")).to_be_visible()

    # A form answered with its errors (400) keeps the header, balance included.
    page.goto(live_server.url + reverse("generation:midjourney_new"))
    page.get_by_label("Prompt", exact=True).fill("a lighthouse --nosuchflag 3")
    form_url = live_server.url + reverse("generation:midjourney_new")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url == form_url) as answer:
        page.get_by_role("button", name="Generate").click()
    assert answer.value.status == 400
    expect(page.locator(".field-error, .errorlist").first).to_be_visible()
    expect(header.locator("#credits [data-balance]")).to_be_visible()
    assert page.csp_violations == []
    context.close()


def test_the_theme_switch_persists(browser: Browser, live_server, sandbox_url):
    user, _ = creator_with_work()
    context, page = signed_in(browser, live_server, user, DESKTOP, color_scheme="dark")
    page.goto(f"{live_server.url}/")
    html = page.locator("html")
    switch = page.get_by_label("Colour theme")
    expect(switch).to_have_value("system")
    assert html.get_attribute("data-theme") is None  # Pico follows prefers-color-scheme
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")

    switch.select_option("light")
    expect(html).to_have_attribute("data-theme", "light")
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") != background
    page.goto(live_server.url + reverse("keys"))
    expect(html).to_have_attribute("data-theme", "light")
    expect(page.get_by_label("Colour theme")).to_have_value("light")

    page.get_by_label("Colour theme").select_option("system")
    page.reload()
    assert html.get_attribute("data-theme") is None
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == background
    assert page.csp_violations == []
    context.close()
