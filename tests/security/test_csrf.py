"""CSRF on every POST: a form posted from another site, without our token, changes nothing.

Every URL of the studio (the access matrix's rows give each one its arguments and a person
allowed there) is posted to without a token, by a browser that enforces CSRF as a real one
does; Django's check runs before the view, so every answer must be our "form expired" page
(403), whatever the view does with a POST. Views that skip the check are listed below with
the reason; a new csrf_exempt view fails the test until it is listed here."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.test_access_matrix import RULES, World, allowed_person

pytestmark = pytest.mark.django_db

# URL name (or namespace, ending in ":") → why it takes POSTs without our CSRF token.
CSRF_EXEMPT = {
    "sandbox:": "the simulated ImaginePro API: an HTTP API for programs, authenticated by a "
    "bearer key in a header (a browser on another site cannot send it)",
    "sandbox_imaginelab:": "the simulated ImagineLab API: the same, with its bearer token",
    "generation:webhook": "the provider's webhook receiver: the provider posts without a "
    "session; the secret token in its URL is what authenticates it",
}


def exempt_reason(name: str | None) -> str | None:
    for allowed, reason in CSRF_EXEMPT.items():
        if name and (name == allowed or (allowed.endswith(":") and name.startswith(allowed))):
            return reason
    return None


def _callbacks(patterns, prefix="", namespace=""):
    """(route, name, view) of every URL pattern, as test_access_matrix.walk names them."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _callbacks(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = (namespace + pattern.name) if pattern.name else None
            yield prefix + str(pattern.pattern), name, pattern.callback


def csrf_exempt_views() -> list[tuple[str, str | None]]:
    """(route, name) of every URL, admin and sandbox included, whose view skips CSRF."""
    return [
        (route, name)
        for route, name, view in _callbacks(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
    ]


def test_only_listed_views_skip_the_csrf_check():
    unlisted = [
        f"{route} ({name})" for route, name in csrf_exempt_views() if not exempt_reason(name)
    ]
    assert not unlisted, "csrf_exempt views without a reason in CSRF_EXEMPT:\n" + "\n".join(
        unlisted
    )


def test_every_post_without_a_token_is_refused_and_changes_nothing(world: World):
    checked, wrong = set(), []
    for name, rows in RULES.items():
        for case in rows:
            person = allowed_person(case)
            if person is None or exempt_reason(name):
                continue
            url = reverse(name, kwargs={k: world.arg(v) for k, v in case.args.items()})
            client = Client(enforce_csrf_checks=True)
            if person != "anonymous":
                client.force_login(world.people[person])
            data = {key: world.arg(value) for key, value in case.data.items()}
            with transaction.atomic():
                before = world.state()
                response = client.post(url, data, headers=case.headers)
                changed = world.state() != before
                transaction.set_rollback(True)
            page = response.content.decode(errors="replace")
            if response.status_code != 403 or "This form has expired" not in page:
                wrong.append(f"POST {url} as {person}: {response.status_code}")
            if changed:
                wrong.append(f"POST {url} as {person}: something changed")
            checked.add(name)
    assert not wrong, "\n".join(wrong)
    # Every URL of the matrix was tried (the matrix itself covers every URL of the studio).
    assert checked == {name for name in RULES if not exempt_reason(name)} - {
        name for name, rows in RULES.items() if all(allowed_person(case) is None for case in rows)
    }


def test_the_same_post_with_the_token_goes_through(world: World):
    """The check is the token, not the method: with it, the same POST is accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["owner"])
    page = client.get(reverse("keys"))
    token = page.cookies["csrftoken"].value
    response = client.post(reverse("key_sandbox"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
