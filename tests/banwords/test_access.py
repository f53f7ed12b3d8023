"""Only staff see the banned-words pages: everyone else gets 404 (anonymous visitors are
sent to log in), and nothing changes."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from studio.banwords.models import BanListVersion
from studio.console.models import AuditEntry

pytestmark = pytest.mark.django_db

URLS = [
    "/staff/ban-words/",
    "/staff/ban-words/history/",
    "/staff/ban-words/history/1/revert/",
    "/staff/ban-words/dry-run/?words=gore",
    "/staff/ban-words/provider/",
]


@pytest.fixture
def version(ban):
    return ban("gore")


@pytest.mark.parametrize("url", URLS)
def test_non_staff_get_404(alice_client, version, url):
    assert alice_client.get(url).status_code == 404


@pytest.mark.parametrize("url", [u for u in URLS if "?" not in u])
def test_non_staff_posts_are_404_and_change_nothing(alice_client, version, url):
    data = {"words": "blood", "base": "1", "step": "confirm"}
    assert alice_client.post(url, data).status_code == 404
    assert BanListVersion.objects.count() == 1
    assert AuditEntry.objects.count() == 1  # the fixture's own save


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_log_in(version, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(url, safe='/')}"


@pytest.mark.parametrize("url", URLS[:4])
def test_staff_get_the_pages(staff_client, version, url):
    assert staff_client.get(url).status_code == 200
