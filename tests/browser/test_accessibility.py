"""axe-core in chromium, light and dark theme: no violation of impact serious or critical on
the gallery, the lightbox, a generation's detail page, the keys page, a team page (for its
owner and for a member) and every page of the staff console."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from studio.teams.models import Team
from tests.browser.axe import axe_violations, describe
from tests.browser.studio_pages import (
    DESKTOP,
    PHONE,
    console_pages,
    creator_with_work,
    signed_in,
    staff_with_console,
    team_member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])


def check(page, label: str, include: str | None = None) -> list[str]:
    found = axe_violations(page, include)
    return [f"{label}: {describe(found)}"] if found else []


@SCHEMES
def test_creator_pages_have_no_serious_violations(
    browser: Browser, live_server, sandbox_url, scheme
):
    user, grid = creator_with_work()
    team = Team.objects.get(name="Acme illustrators")
    context, page = signed_in(browser, live_server, user, DESKTOP, color_scheme=scheme)
    problems = []

    page.goto(f"{live_server.url}/")
    expect(page.locator(f"#card-{grid.pk} img")).to_have_count(4)
    problems += check(page, "gallery")

    page.locator(f"#card-{grid.pk} a[data-lightbox]").first.click()
    dialog = page.locator("dialog.lightbox")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".lightbox-panel")).to_contain_text("Image 1 of 4")
    problems += check(page, "lightbox", "dialog.lightbox")
    page.keyboard.press("Escape")

    page.goto(live_server.url + grid.get_absolute_url())
    expect(page.locator("#lineage .lineage-tree")).to_be_visible()
    problems += check(page, "detail page")

    page.goto(live_server.url + reverse("keys"))
    problems += check(page, "keys page")

    page.goto(live_server.url + reverse("teams:detail", args=[team.pk]))
    problems += check(page, "team page")

    assert not problems, "\n".join(problems)
    assert page.csp_violations == []
    context.close()


@SCHEMES
def test_a_team_page_for_a_member_has_no_serious_violations(
    browser: Browser, live_server, sandbox_url, scheme
):
    creator_with_work()
    team = Team.objects.get(name="Acme illustrators")
    member = team_member(team)
    context, page = signed_in(browser, live_server, member, DESKTOP, color_scheme=scheme)
    page.goto(live_server.url + reverse("teams:detail", args=[team.pk]))
    expect(page.locator("main")).to_contain_text("Acme illustrators")
    problems = check(page, "team page (creator)")
    page.goto(live_server.url + reverse("teams:index"))
    problems += check(page, "teams page (creator)")
    assert not problems, "\n".join(problems)
    assert page.csp_violations == []
    context.close()


@SCHEMES
def test_staff_console_has_no_serious_violations(
    browser: Browser, live_server, sandbox_url, scheme
):
    user = staff_with_console()
    context, page = signed_in(browser, live_server, user, DESKTOP, color_scheme=scheme)
    paths = console_pages(page, live_server)
    for name in ("console:trace", "console:audit", "console:settings", "banwords:dry_run"):
        assert reverse(name) in paths, paths
    problems = []
    for path in paths:
        page.goto(live_server.url + path)
        problems += check(page, path)
    assert not problems, "\n".join(problems)
    assert page.csp_violations == []
    context.close()


def test_the_phone_menu_has_no_serious_violations(browser: Browser, live_server, sandbox_url):
    user, _ = creator_with_work()
    context, page = signed_in(browser, live_server, user, PHONE)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Menu").click()
    page.locator(".account-menu summary").click()
    found = axe_violations(page, "header")
    assert not found, describe(found)
    context.close()
