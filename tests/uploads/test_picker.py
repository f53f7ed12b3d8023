"""The gallery picker: the person's own stored images, newest first, 24 at a time."""

from __future__ import annotations

import re

import pytest

from studio.generation.models import Asset
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def picked_ids(html: str) -> list[str]:
    return re.findall(r'class="picker-item"[^>]*data-asset-id="([0-9a-f-]{36})"', html)


def test_login_required(client):
    response = client.get("/uploads/picker/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_the_persons_images_newest_first(alice_client, alice, charlie):
    older, newer = (
        AssetFactory(generation__user=alice, generation__prompt=f"image {i}", minutes_ago=2 - i)
        for i in range(2)
    )
    AssetFactory(generation__user=charlie, generation__prompt="charlie's secret")
    AssetFactory(generation__user=alice, role=Asset.Role.GRID)

    response = alice_client.get("/uploads/picker/", headers=HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert picked_ids(html) == [str(newer.pk), str(older.pk)]
    assert "charlie" not in html
    assert f'src="/a/{newer.pk}/thumb/"' in html
    assert 'data-label="image 1"' in html
    assert "Load more" not in html


def test_24_per_page_then_load_more(alice_client, alice):
    assets = [
        AssetFactory(generation__user=alice, generation__prompt=f"image {i}", minutes_ago=26 - i)
        for i in range(26)
    ]
    newest_first = [str(a.pk) for a in reversed(assets)]

    first = alice_client.get("/uploads/picker/", headers=HTMX).content.decode()
    assert picked_ids(first) == newest_first[:24]
    assert 'hx-get="/uploads/picker/?page=2"' in first

    second = alice_client.get("/uploads/picker/?page=2", headers=HTMX).content.decode()
    assert picked_ids(second) == newest_first[24:]
    assert "<ul" not in second  # only the items that replace the "Load more" row
    assert "Load more" not in second


def test_empty_gallery_says_so(alice_client):
    html = alice_client.get("/uploads/picker/").content.decode()
    assert "No images in your gallery yet" in html
