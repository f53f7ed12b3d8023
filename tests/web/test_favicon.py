"""Every page has the studio's icon: a <link rel="icon"> to the static SVG, and /favicon.ico
(asked for by browsers and feed readers whatever the page says) leads to it, never a 404."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db

ICON = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg")


@pytest.mark.parametrize("path", ["/", "/accounts/keys/", "/prices/", "/usage/", "/no-such-page/"])
def test_pages_link_the_icon(alice_client, path):
    assert ICON in alice_client.get(path).content.decode()


def test_the_admin_and_the_share_pages_link_the_icon(client):
    assert ICON in client.get("/no-such-page/").content.decode()  # signed out
    staff = User.objects.create_user("root", "root@example.com", "pw-12345678", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    html = client.get("/admin/").content.decode()

    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', html)
    assert ICON in client.get("/s/no-such-token/").content.decode()
