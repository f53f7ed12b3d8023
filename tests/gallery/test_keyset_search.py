"""Scrolling the wall goes by cursor (every card once, in order, at any depth, in the same
number of queries) and the prompt search answers from its index, which follows every
change of a prompt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from studio.generation import search
from studio.generation.models import Generation
from tests.factories import GenerationFactory
from tests.gallery.conftest import HTMX
from tests.gallery.test_filters import card_ids, more_link, shown
from tests.gallery.test_queries import queries_for

pytestmark = pytest.mark.django_db


def scroll(client, query: str = "") -> list[list[str]]:
    """Every page "more" brings, from the first."""
    html = client.get(f"/?{query}").content.decode()
    pages = [card_ids(html)]
    while 'class="more"' in html:
        html = client.get(f"/?{more_link(html)}", headers=HTMX).content.decode()
        pages.append(card_ids(html))
    return pages


def test_scrolling_shows_every_card_once_newest_first_even_when_times_tie(alice, alice_client):
    now = timezone.now()
    made = [
        GenerationFactory(user=alice, created_at=now - timedelta(seconds=n // 7)) for n in range(60)
    ]

    pages = scroll(alice_client)

    shown_ids = [card for page in pages for card in page]
    assert [len(page) for page in pages] == [24, 24, 12]
    expected = sorted(made, key=lambda g: (g.created_at, g.pk.hex), reverse=True)
    assert shown_ids == [str(g.pk) for g in expected]


def test_a_cursor_that_is_not_one_shows_the_first_page(alice, alice_client):
    for minutes in range(30):
        GenerationFactory(user=alice, minutes_ago=minutes)
    first = shown(alice_client)

    for bad in ("x", "1.2", "99999999999999999999999.0123456789abcdef0123456789abcdef"):
        assert shown(alice_client, f"after={bad}") == first


def test_deep_pages_cost_the_queries_of_the_first(alice, alice_client):
    for minutes in range(150):
        GenerationFactory(user=alice, minutes_ago=minutes, prompt=f"a red fox {minutes}")

    def warm_queries(url: str) -> list[str]:
        alice_client.get(url)  # the session and caches warm, as for a person browsing
        return queries_for(alice_client, url)

    first = warm_queries("/?per_page=24")
    large = warm_queries("/?per_page=96")
    html = alice_client.get("/?per_page=24").content.decode()
    for _ in range(4):
        html = alice_client.get(f"/?{more_link(html)}", headers=HTMX).content.decode()
    deep = warm_queries(f"/?{more_link(html)}")
    searched = warm_queries("/?q=red+fox&per_page=96")
    searched_deep = warm_queries(f"/?q=red+fox&{more_link(html)}")

    assert len(first) == len(large) == len(deep), "\n".join(deep)
    index = 1 if connection.vendor == "sqlite" else 0  # SQLite reads the index's rows first
    assert len(searched) == len(searched_deep) == len(first) + index
    assert not any("OFFSET" in sql.upper() for sql in deep + searched_deep)


def test_search_finds_substrings_any_case_and_follows_changes(alice, alice_client):
    fox = GenerationFactory(user=alice, prompt="A Red FOX in the snow", minutes_ago=1)
    quote = GenerationFactory(user=alice, prompt='a sign that says "OPEN" at dusk', minutes_ago=2)
    GenerationFactory(user=alice, prompt="a lighthouse at dusk", minutes_ago=3)

    assert shown(alice_client, "q=ed+fo") == [str(fox.pk)]
    assert shown(alice_client, "q=%22open%22") == [str(quote.pk)]
    assert shown(alice_client, "q=ED") == [str(fox.pk)]  # two letters: no trigram, still found
    assert shown(alice_client, "q=NEAR(fox") == []

    Generation.objects.filter(pk=fox.pk).update(prompt="a grey wolf")
    assert shown(alice_client, "q=red+fox") == []
    assert shown(alice_client, "q=grey+wol") == [str(fox.pk)]
    quote.delete()
    assert shown(alice_client, "q=open") == []


def test_common_and_rare_texts_find_the_same_as_a_scan(alice, alice_client, monkeypatch):
    for n in range(40):
        GenerationFactory(user=alice, minutes_ago=n, prompt=f"fox {n}" if n % 2 else f"cat {n}")
    rare = shown(alice_client, "q=fox&per_page=96")
    monkeypatch.setattr(search, "RARE", 3)  # now "fox" is common: searched along the wall

    assert shown(alice_client, "q=fox&per_page=96") == rare
    assert len(rare) == 20


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite prompt index")
def test_a_migration_that_rebuilds_the_table_loses_no_search(alice, alice_client):
    fox = GenerationFactory(user=alice, prompt="a red fox")
    with connection.cursor() as cursor:  # what SQLite's table rebuild does to triggers
        cursor.execute("DROP TRIGGER generation_prompt_insert")
        cursor.execute("DROP TRIGGER generation_prompt_update")
    wolf = GenerationFactory(user=alice, prompt="a grey wolf")
    Generation.objects.filter(pk=fox.pk).update(prompt="a red fox cub")

    assert search.ensure_prompt_index() is True
    assert search.ensure_prompt_index() is False

    assert shown(alice_client, "q=grey+wolf") == [str(wolf.pk)]
    assert shown(alice_client, "q=fox+cub") == [str(fox.pk)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL prompt index")
def test_postgresql_answers_a_search_from_the_trigram_index(alice):
    GenerationFactory(user=alice, prompt="a red fox")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the choice visible
        plan = Generation.objects.filter(prompt__icontains="red fox").order_by().explain()

    assert "generation_prompt_trgm" in plan
