"""What the layout and accessibility browser tests share: a creator with finished work, a
staff member whose console has its DIY key, signed-in browser contexts at a given size and
colour scheme, and the links of the page's own navigation."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page

from studio.accounts.services import sandbox_key_create
from studio.console import key_choice as console_key_choice
from studio.generation import services
from studio.generation.models import Generation, Status
from studio.teams import services as team_services
from studio.teams.models import Membership, Role, Team
from tests.support import run_to_final

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct-horse-42"


def finished(generation: Generation) -> Generation:
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    return generation


def creator_with_work(username: str = "cora") -> tuple[User, Generation]:
    """A creator with a sandbox key, a team of their own, a finished Midjourney grid (its U/V
    buttons make the widest card) and a finished Flux image; returns (user, grid)."""
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    key = sandbox_key_create(user=user)
    grid = finished(
        services.midjourney_create(
            user=user,
            provider_key=key,
            prompt="a lighthouse at dusk, seen from a very long and windy coastal path --ar 3:2",
            params={"prompt": "a lighthouse at dusk --ar 3:2"},
        )
    )
    finished(
        services.flux_create(
            user=user,
            provider_key=key,
            prompt="a red apple on a table",
            n=1,
            output_format="png",
            aspect_ratio="1:1",
            params={"prompt": "a red apple on a table", "n": 1, "aspect_ratio": "1:1"},
        )
    )
    team_services.team_create(user=user, name="Acme illustrators")
    return user, grid


def team_member(team: Team, username: str = "tess", role: str = Role.CREATOR) -> User:
    """Someone who belongs to `team` with `role` (as after accepting an invitation), with a
    pending invitation for another person on the team's page."""
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    Membership.objects.create(team=team, user=user, role=role)
    team_services.invitation_create(
        team=team, invited_by=team.created_by, invitee="newcomer@example.com"
    )
    return user


def staff_with_console(username: str = "sam") -> User:
    """A staff member whose sandbox key is the console's DIY key (so the console's tables,
    the widest of the studio, are full)."""
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    key = sandbox_key_create(user=user)
    console_key_choice.choose_key(user, key.pk)
    return user


def signed_in(
    browser: Browser,
    live_server,
    user: User,
    viewport: dict,
    color_scheme: str = "light",
    bypass_csp: bool = False,
) -> tuple[BrowserContext, Page]:
    """A new browser context signed in as `user` (a session made by Django's test client).
    Unless `bypass_csp` (only for injecting the axe-core test script), the page fails the
    test on a Content Security Policy report, as tests/browser/conftest.py's `page` does."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport=viewport, color_scheme=color_scheme, bypass_csp=bypass_csp
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    violations: list[str] = []
    if not bypass_csp:
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
    page.csp_violations = violations  # read by the tests after each page
    return context, page


def nav_links(page: Page, live_server, selector: str = "header nav") -> list[str]:
    """The same-origin pages the navigation under `selector` links to (menus included,
    open or not), as paths, in page order, without repeats."""
    hrefs = page.eval_on_selector_all(
        f"{selector} a[href]", "links => links.map(link => link.href)"
    )
    origin = urlsplit(live_server.url).netloc
    paths: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc != origin:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in paths:
            paths.append(path)
    return paths


def console_pages(page: Page, live_server) -> list[str]:
    """Every page of the staff console a staff member reaches by its navigation: the
    console's sections, the ban-word sections, and one linked account's queue and one
    token's page (the first of each list). Leaves `page` on the last list it read."""
    page.goto(live_server.url + reverse("console:index"))
    paths = nav_links(page, live_server, "nav[aria-label='Staff console']")
    page.goto(live_server.url + reverse("banwords:index"))
    paths += nav_links(page, live_server, "nav[aria-label='Banned words sections']")
    for listing, link in (("console:accounts", "Queue"), ("console:tokens", "#")):
        page.goto(live_server.url + reverse(listing))
        first = page.locator("main table a", has_text=link).first
        paths.append(urlsplit(first.evaluate("a => a.href")).path)
    return list(dict.fromkeys(paths))


def horizontal_overflow(page: Page) -> dict:
    """The document's scroll width and client width, and the elements sticking out past the
    right edge (for the failure message)."""
    return page.evaluate(
        """() => {
          const root = document.documentElement, width = root.clientWidth, out = [];
          for (const element of document.body.querySelectorAll('*')) {
            const box = element.getBoundingClientRect();
            if (box.width && box.right > width + 1) {
              out.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
            }
          }
          return {scrollWidth: root.scrollWidth, clientWidth: width, past: out.slice(0, 8)};
        }"""
    )
