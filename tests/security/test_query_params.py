"""Any query string on any list page, filter or form page answers: never a 500.

Hypothesis draws values for every query parameter each page reads (its filter's fields, page,
per_page, ids it looks up), mixing arbitrary text with the values that broke pages before:
dates at the ends of the calendar, page numbers past any integer a database stores, NUL
characters, negative and fractional numbers.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.gallery.filters import GalleryFilter
from tests.factories import AssetFactory, CollectionFactory, SandboxGenerationFactory

pytestmark = pytest.mark.django_db

EDGES = [
    "",
    "0",
    "-1",
    "1.5",
    "99999999999999999999",
    "9" * 400,
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "10000-01-01",
    "1970-01-01",
    "\x00",
    "a\x00b",
    "%",
    "'; --",
    "∞",
    "𝕏" * 30,
    "00000000-0000-0000-0000-000000000000",
    "true",
    "on",
    # keyset cursors (studio.gallery.pages) and the prompt index's phrase syntax
    "1765000000000000.00000000000000000000000000000000",
    "-99999999999999999999.ffffffffffffffffffffffffffffffff",
    "253402300800000000.0123456789abcdef0123456789abcdef",
    "1.not-a-uuid",
    '"',
    'a"b "fox" OR NEAR(',
    "*fox*",
]
VALUES = st.one_of(st.sampled_from(EDGES), st.text(max_size=40))


def query(names: list[str]):
    """A dict of some of `names` → one value or a list of values."""
    value = st.one_of(VALUES, st.lists(VALUES, min_size=1, max_size=3))
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names))


@pytest.fixture
def world(alice, alice_key):
    """Alice (staff, so the console pages answer) with one finished image and a collection."""
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    generation = SandboxGenerationFactory(user=alice, provider_key=alice_key, prompt="a lighthouse")
    asset = AssetFactory(generation=generation, size=(96, 64), color=(30, 90, 200))
    collection = CollectionFactory(owner=alice, name="Trips")
    client = Client()
    client.force_login(alice)
    return client, generation, asset, collection


def pages(generation, asset, collection) -> list[tuple[str, list[str]]]:
    """(url, the query parameters it reads) for every page that reads a query string."""
    gallery = [*GalleryFilter.base_filters, "page", "per_page", "after"]
    return [
        (reverse("generation:gallery"), gallery),
        (reverse("library:collection", args=[collection.pk]), ["page", "per_page"]),
        (reverse("library:collection_add"), ["ids", "next"]),
        (reverse("library:delete"), ["ids", "next"]),
        (reverse("generation:lightbox", args=[generation.pk]), ["asset"]),
        (reverse("generation:bar_quote"), ["prompt", "models", "repeat", "aspect_ratio"]),
        (reverse("generation:flux_new"), ["retry", "prompt"]),
        (reverse("generation:nano_banana_new"), ["retry", "prompt", "reference_images"]),
        (reverse("generation:tools"), ["image"]),
        (reverse("generation:import_status"), ["since"]),
        (generation.get_absolute_url(), ["remix", "prompt", "download"]),
        (reverse("uploads:picker"), ["page"]),
        (reverse("credits:usage"), ["page"]),
        (reverse("console:audit"), ["action", "user", "since", "until", "ok", "page"]),
        (reverse("banwords:index"), ["page"]),
        (reverse("banwords:dry_run"), ["words", "page"]),
    ]


# One test per page (the list's index), so pytest-xdist spreads them.
PAGES = 16


@pytest.mark.parametrize("which", range(PAGES))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_string_makes_a_page_fail(world, which, data):
    client, generation, asset, collection = world
    every = pages(generation, asset, collection)
    assert len(every) == PAGES  # a page added to the list gets its own test
    url, names = every[which]
    params = data.draw(query(names), label=url)
    response = client.get(url, params)
    assert response.status_code < 500, (url, params)


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"page": "99999999999999999999"},
        {"q": "a\x00b"},
        {"q": "fo\x00x"},
        {"q": 'say "fox" OR NEAR(a b)'},
        {"after": "253402300800000000.0123456789abcdef0123456789abcdef"},
        {"after": "-99999999999999999999.0123456789abcdef0123456789abcdef"},
        {"after": "12.zz", "page": "3"},
    ],
)
def test_the_gallery_answers_the_queries_that_once_failed(world, params):
    client, *_ = world
    response = client.get(reverse("generation:gallery"), params)
    assert response.status_code == 200
