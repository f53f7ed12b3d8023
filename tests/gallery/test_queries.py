"""The gallery's first page costs the same number of queries for 24 and 96 cards, and never
counts the whole gallery (infinite scroll shows no total)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studio.gallery.models import CollectionItem, Favourite
from studio.generation.models import Action, Asset, Generation, Model, Status
from tests.factories import AssetFactory, CollectionFactory, GenerationFactory
from tests.gallery.conftest import (  # noqa: F401 (a fixture: a fresh cache)
    _fresh_cache,
    client_for,
    member,
)

pytestmark = pytest.mark.django_db

STATUSES = [Status.DONE, Status.DONE, Status.DONE, Status.PROCESSING, Status.FAILED]


def queries_for(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def big_team_gallery(team):
    olga, cora = member(team, "olga"), member(team, "cora")
    board = CollectionFactory(owner=olga, team=team, name="Board")
    for n in range(120):
        generation = GenerationFactory(
            user=olga if n % 2 else cora,
            team=team,
            minutes_ago=n,
            status=STATUSES[n % len(STATUSES)],
            model=[Model.MIDJOURNEY, Model.FLUX, Model.VIDEO][n % 3],
            action=Action.BUTTON if n % 7 == 0 else Action.IMAGINE,
            button="U1" if n % 7 == 0 else "",
            buttons=["U1", "U2", "V1", "🔄"],
            aspect_ratio=["1:1", "16:9"][n % 2],
        )
        if generation.status == Status.DONE:
            for index in (1, 2):
                AssetFactory(generation=generation, index=index)
        if n % 3 == 0:
            Favourite.objects.create(user=cora, generation=generation)
        if n % 5 == 0:
            CollectionItem.objects.create(collection=board, generation=generation)
    assert Asset.objects.count() > 100
    return team


@pytest.mark.parametrize("query", ["", "&favourites=on&model=midjourney", "&kind=image"])
def test_first_page_queries_do_not_grow_with_its_size(big_team_gallery, query):
    client = client_for(member(big_team_gallery, "cora"), big_team_gallery)
    client.get("/")  # the session and caches are warm, as for a person browsing

    small = queries_for(client, f"/?per_page=24{query}")
    large = queries_for(client, f"/?per_page=96{query}")

    assert len(small) == len(large), "\n".join(large)
    assert not any("COUNT(" in sql.upper() for sql in large)


def test_the_96_card_page_shows_96(big_team_gallery):
    client = client_for(member(big_team_gallery, "cora"), big_team_gallery)

    html = client.get("/?per_page=96").content.decode()

    assert html.count('<article class="card') == 96
    assert Generation.objects.count() == 120


def test_cached_cards_are_not_read_again(team):
    """A page whose finished cards are all in the card cache reads neither their rows in
    full nor their files: two queries fewer than drawing them, at 24 and 96 cards alike."""
    olga = member(team, "olga")
    for n in range(100):
        generation = GenerationFactory(user=olga, team=team, minutes_ago=n, status=Status.DONE)
        AssetFactory(generation=generation, index=1)
    client = client_for(olga, team)
    client.get("/")  # the session warm

    drawn = queries_for(client, "/?per_page=96")
    cached = queries_for(client, "/?per_page=96")
    cached_small = queries_for(client, "/?per_page=24")

    assert len(cached) == len(drawn) - 2, "\n".join(cached)
    assert len(cached_small) == len(cached)
    assert not any("generation_asset" in sql for sql in cached)
