"""A strict Content-Security-Policy (only our own origin, no 'unsafe-inline', no 'unsafe-eval')
works only if no page carries inline script, a style attribute, an on* handler or an inline
<style>: the browser would refuse them silently and the page would half work. Every row of the
access matrix is fetched as a person allowed there, and each HTML answer is parsed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.security.test_access_matrix import RULES, World, allowed_person, ask

pytestmark = pytest.mark.django_db


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: <script> without src (JSON data blocks, as
    json_script writes them, are not run and are allowed), <style>, style="…", on*="…"
    and htmx's hx-on (it needs eval)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("an inline <script>")
        if tag == "style":
            self.found.append("a <style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f'<{tag} {name}="{value}">')
            elif name in ("hx-vals", "hx-vars") and (value or "").lstrip().startswith("js:"):
                self.found.append(f'<{tag} {name}="{value}"> (needs eval)')


def inline_content(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_finds_each_kind():
    page = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        '<style>p{}</style><p style="color:red" onclick="x()">'
        '<form hx-on::after-request="y()"></form>'
    )
    assert inline_content(page) == [
        "an inline <script>",
        "a <style> element",
        '<p style="color:red">',
        '<p onclick="x()">',
        '<form hx-on::after-request="y()">',
    ]


def test_no_page_carries_inline_script_or_style(world: World):
    """Every page and fragment of the matrix, fetched by someone allowed to see it."""
    seen, problems = 0, []
    for name, rows in RULES.items():
        for case in rows:
            person = allowed_person(case)
            if person is None:
                continue
            url = reverse(name, kwargs={k: world.arg(v) for k, v in case.args.items()})
            if case.query:
                url += "?" + "&".join(f"{k}={world.arg(v)}" for k, v in case.query.items())
            with transaction.atomic():
                response = ask(world, person, url, case)
                transaction.set_rollback(True)
            if response.streaming or "text/html" not in response.get("Content-Type", ""):
                continue
            seen += 1
            problems += [
                f"{case.method.upper()} {url} ({person}): {found}"
                for found in inline_content(response.content.decode())
            ]
    assert seen > 100  # the walk really walked
    assert not problems, "\n".join(problems)


def test_every_answer_carries_the_strict_policy(world: World):
    """Pages, htmx fragments, error pages, public share pages and the sandbox alike."""
    client = world.client("owner")
    answers = {
        "gallery": client.get(reverse("generation:gallery")),
        "fragment": client.get(reverse("generation:credits"), headers={"HX-Request": "true"}),
        "login": Client().get(reverse("login")),
        "404": client.get("/no-such-page/"),
        "share": Client().get(reverse("sharing:public", args=[world.arg("team_share_token")])),
        "sandbox": Client().get("/sandbox/imaginepro/api/v1/credits"),
    }
    for what, response in answers.items():
        policy = response.get("Content-Security-Policy", "")
        directives = dict(
            (part.split(" ", 1) + [""])[:2] for part in policy.split("; ") if part.strip()
        )
        assert directives.get("default-src") == "'self'", (what, policy)
        assert directives.get("script-src") == "'self'", (what, policy)
        assert directives.get("style-src") == "'self'", (what, policy)
        assert directives.get("frame-ancestors") == "'none'", (what, policy)
        assert "unsafe" not in policy, (what, policy)
        assert response["X-Frame-Options"] == "DENY", what
        assert response["X-Content-Type-Options"] == "nosniff", what


def test_a_csrf_failure_is_a_page_of_ours(world: World):
    """Django's own CSRF page has an inline <style>; ours says what happened and what to do."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["owner"])
    response = client.post(reverse("key_sandbox"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page and "Nothing was sent." in page
    assert inline_content(page) == []
