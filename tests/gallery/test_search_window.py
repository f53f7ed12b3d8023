"""A searched page of the wall reads only the newest matches it needs from the prompt index
(SQLite), and still shows exactly what a scan of the prompts finds: other people's matches,
other filters, rows written out of time order, times that tie and a time that changes."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from studio.generation import search
from studio.generation.models import Generation, Model
from tests.factories import GenerationFactory, UserFactory
from tests.gallery.test_filters import shown
from tests.gallery.test_keyset_search import scroll
from tests.gallery.test_queries import queries_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite prompt index"),
]


def newest_first(generations) -> list[str]:
    ordered = sorted(generations, key=lambda g: (g.created_at, g.pk.hex), reverse=True)
    return [str(g.pk) for g in ordered]


def full_index_reads(sql: list[str]) -> list[str]:
    """The queries that read every match of the index (the slow path)."""
    return [
        q
        for q in sql
        if q.startswith("SELECT rowid FROM generation_prompt_fts") and "ORDER BY" not in q
    ]


def window_reads(sql: list[str]) -> list[str]:
    """The queries that read the newest matches from a place down."""
    return [q for q in sql if "ORDER BY rowid DESC" in q]


def test_searched_pages_read_only_the_newest_matches_and_show_what_a_scan_shows(
    alice, alice_client
):
    bob = UserFactory(username="bob")
    now = timezone.now()
    rows = []
    for n in range(150):  # two people's matches and others, one a minute
        rows.append(
            {
                "user": alice if n % 3 else bob,
                "prompt": f"a red fox {n}" if n % 5 else f"a lighthouse {n}",
                "model": Model.FLUX if n % 2 else Model.MIDJOURNEY,
                "created_at": now - timedelta(minutes=n),
            }
        )
    random.Random(7).shuffle(rows)  # written out of time order
    made = [GenerationFactory(**row) for row in rows]
    mine = [g for g in made if g.user == alice and "fox" in g.prompt]
    flux = [g for g in mine if g.model == Model.FLUX]

    pages = scroll(alice_client, "q=red+fox")
    both = scroll(alice_client, f"q=red+fox&model={Model.FLUX}")

    assert [card for page in pages for card in page] == newest_first(mine)
    assert [len(page) for page in pages] == [24, 24, 24, 8]
    assert [card for page in both for card in page] == newest_first(flux)
    first = queries_for(alice_client, "/?q=red+fox")
    assert len(window_reads(first)) == 1
    assert full_index_reads(first) == []


def test_a_page_whose_matches_are_mostly_someone_elses_is_still_full(alice, alice_client):
    bob = UserFactory(username="bob")
    now = timezone.now()
    for n in range(100):  # bob's newest matches fill the index's first window
        GenerationFactory(user=bob, prompt=f"a red fox {n}", created_at=now - timedelta(seconds=n))
    mine = [
        GenerationFactory(
            user=alice, prompt=f"a red fox {n}", created_at=now - timedelta(hours=1, minutes=n)
        )
        for n in range(30)
    ]

    assert shown(alice_client, "q=red+fox") == newest_first(mine)[:24]
    # The window grows from where it stopped instead of reading every match again.
    sql = queries_for(alice_client, "/?q=red+fox")
    assert len(window_reads(sql)) == 2
    assert full_index_reads(sql) == []


def test_a_page_that_rare_matches_cannot_hold_reads_every_match(alice, alice_client, monkeypatch):
    bob = UserFactory(username="bob")
    now = timezone.now()
    for n in range(70):  # more of bob's matches than the windows may read (RARE is 60 here)
        GenerationFactory(user=bob, prompt=f"a red fox {n}", created_at=now - timedelta(seconds=n))
    mine = [
        GenerationFactory(user=alice, prompt=f"a red fox {n}", minutes_ago=10 + n) for n in range(5)
    ]
    monkeypatch.setattr(search, "RARE", 60)

    sql = queries_for(alice_client, "/?q=red+fox")

    assert shown(alice_client, "q=red+fox") == newest_first(mine)
    assert len(window_reads(sql)) == 2  # 50, then the 10 left under RARE
    assert len(full_index_reads(sql)) == 1


def test_a_generation_whose_time_changes_moves_in_the_search_too(alice, alice_client):
    made = [
        GenerationFactory(user=alice, prompt=f"a red fox {n}", minutes_ago=n + 1) for n in range(60)
    ]
    oldest = made[-1]
    Generation.objects.filter(pk=oldest.pk).update(created_at=timezone.now())

    assert shown(alice_client, "q=red+fox")[0] == str(oldest.pk)


def test_matches_made_in_the_same_microsecond_are_each_shown_once(alice, alice_client):
    moment = timezone.now() - timedelta(minutes=5)
    same = [
        GenerationFactory(user=alice, prompt=f"a red fox {n}", created_at=moment) for n in range(40)
    ]
    later = [
        GenerationFactory(user=alice, prompt="a red fox later", minutes_ago=1) for _ in range(10)
    ]

    pages = scroll(alice_client, "q=red+fox")

    assert [card for page in pages for card in page] == newest_first(same + later)
