"""Who may enter the staff console: staff only; others get 404, anonymous the login page."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, reverse

from studio.console import urls as console_urls
from studio.console.audit import record
from studio.console.models import AuditEntry
from tests.factories import UserFactory


def _console_urls():
    """Every console URL with made-up arguments (a 404 for a missing object is fine too)."""
    out = []
    for entry in console_urls.urlpatterns:
        assert isinstance(entry, URLPattern), "nested includes are not expected here"
        kwargs = {}
        for name, conv in entry.pattern.converters.items():
            kwargs[name] = uuid.uuid4() if "UUID" in type(conv).__name__ else "x1"
            if type(conv).__name__ == "IntConverter":
                kwargs[name] = 1
        out.append(reverse(f"console:{entry.name}", kwargs=kwargs))
    return out


URLS = _console_urls()


@pytest.fixture
def staff(db) -> User:
    return UserFactory(username="sam", staff=True)


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_non_staff_get_404(alice_client, url, method):
    response = getattr(alice_client, method)(url)
    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_go_to_login(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert AuditEntry.objects.count() == 0


def test_every_console_url_is_staff_only():
    for entry in console_urls.urlpatterns:
        assert isinstance(entry, URLPattern) and not isinstance(entry, URLResolver)
        assert getattr(entry.callback, "staff_only", False), entry.name


@pytest.mark.django_db
def test_staff_see_the_console_nav(client, staff):
    client.force_login(staff)
    response = client.get(reverse("console:audit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Staff console"' in html
    for name in ("index", "accounts", "tokens", "trace", "audit"):
        assert reverse(f"console:{name}") in html


def _rows(client, **params):
    """The actions of the audit table's rows."""
    html = client.get(reverse("console:audit"), params).content.decode()
    return re.findall(r'<tr class="[^"]*" data-action="([^"]+)"', html), html


@pytest.mark.django_db
def test_audit_page_filters(client, staff, alice):
    record(staff, "queue.pause", target="queue", answer="paused")
    record(
        staff,
        "token.toggle",
        target="tok-1",
        details={"isActive": False},
        ok=False,
        answer="Not found",
    )
    record(alice, "queue.resume", answer="resumed")
    client.force_login(staff)
    assert sorted(_rows(client)[0]) == ["queue.pause", "queue.resume", "token.toggle"]
    assert sorted(_rows(client, action="queue")[0]) == ["queue.pause", "queue.resume"]
    assert _rows(client, action="queue.pause")[0] == ["queue.pause"]
    assert _rows(client, user="ALICE")[0] == ["queue.resume"]
    assert _rows(client, ok="no")[0] == ["token.toggle"]
    assert _rows(client, since="2000-01-01", until="2000-01-02")[0] == []
    rows, html = _rows(client, since="not a date")
    assert "Enter a valid date" in html and len(rows) == 3


@pytest.mark.django_db
def test_audit_page_says_when_dates_are_reversed(client, staff):
    record(staff, "queue.pause", answer="paused")
    client.force_login(staff)
    rows, html = _rows(client, since="2030-01-02", until="2030-01-01")
    assert "The end date is before the start date." in html
