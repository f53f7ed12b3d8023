"""A finished gallery card is drawn once and then served from the cache (the first
page in ≤ 30 ms); what a person sees and can do must never lag behind: a star, an edit made
with `QuerySet.update()`, another person's rights, the page's own CSRF token, the age."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from studio.gallery.templatetags.cards import path_of
from studio.generation.models import Generation, Status
from tests.factories import AssetFactory, GenerationFactory
from tests.gallery.conftest import client_for, member

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def card_of(html: str, generation) -> str:
    match = re.search(
        rf'<article class="card[^"]*" id="card-{generation.pk}".*?</article>', html, re.S
    )
    assert match, f"no card for {generation.pk}"
    return match.group(0)


@pytest.fixture
def grid(alice):
    generation = GenerationFactory(user=alice, buttons=["U1", "V1", "🔄"], prompt="a red kite")
    AssetFactory(generation=generation)
    return generation


def test_the_second_page_shows_the_same_card_with_its_own_token(alice, grid):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    first = card_of(client.get("/").content.decode(), grid)
    second_page = client.get("/").content.decode()
    second = card_of(second_page, grid)

    assert TOKEN.sub("", first) == TOKEN.sub("", second)
    assert "csrf-stand-in" not in second_page
    # The cached card's star posts with the token it carries (a stale one would be 403).
    token = TOKEN.search(second).group(1)
    response = client.post(
        reverse("library:favourite", args=[grid.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # without htmx: back to the page
    assert 'aria-pressed="true"' in card_of(client.get("/").content.decode(), grid)


def test_a_star_shows_at_once(alice, alice_client, grid):
    assert 'aria-pressed="false"' in card_of(alice_client.get("/").content.decode(), grid)

    alice_client.post(reverse("library:favourite", args=[grid.pk]))

    assert 'aria-pressed="true"' in card_of(alice_client.get("/").content.decode(), grid)


def test_a_change_made_by_update_shows_at_once(alice_client, grid):
    alice_client.get("/")  # cached now

    # update() moves updated_at too (the generation's QuerySet), which keys the card.
    Generation.objects.filter(pk=grid.pk).update(prompt="a blue kite", buttons=["U1"])
    card = card_of(alice_client.get("/").content.decode(), grid)

    assert "a blue kite" in card and "a red kite" not in card
    assert re.findall(r'name="button" value="([^"]+)"', card) == ["U1"]


def test_the_age_reads_as_of_now(alice_client, grid):
    alice_client.get("/")
    Generation.objects.filter(pk=grid.pk).update(created_at=timezone.now() - timedelta(hours=3))

    card = card_of(alice_client.get("/").content.decode(), grid)

    assert "3\xa0hours ago" in card


def test_rights_are_never_shared_through_the_cache(team):
    olga = member(team, "olga")
    done = GenerationFactory(user=olga, team=team, buttons=["U1", "V1"])
    AssetFactory(generation=done)
    creator = card_of(client_for(member(team, "cora"), team).get("/").content.decode(), done)

    viewer = card_of(client_for(member(team, "vera"), team).get("/").content.decode(), done)

    assert 'name="button"' in creator and "Add to collection" in creator
    assert 'name="button"' not in viewer and "Add to collection" not in viewer
    assert "Delete" not in creator  # olga made it: only she and the owner may delete


def test_a_running_card_is_always_drawn_fresh(alice, alice_client):
    running = GenerationFactory(user=alice, status=Status.PROCESSING, progress=10)
    assert "creating, 10 %" in card_of(alice_client.get("/").content.decode(), running)

    Generation.objects.filter(pk=running.pk).update(progress=60)

    assert "creating, 60 %" in card_of(alice_client.get("/").content.decode(), running)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("generation:press", ["0b2f8c52-5d4e-4c52-9f5e-4f0a6f3c1e11"]),
        ("generation:asset", ["0b2f8c52-5d4e-4c52-9f5e-4f0a6f3c1e11", "thumb"]),
        ("generation:tools", []),
        ("generation:asset", ["0b2f8c52-5d4e-4c52-9f5e-4f0a6f3c1e11", "a b"]),  # quoted
    ],
)
@pytest.mark.parametrize("prefix", ["/", "/studio/"])
def test_paths_are_those_reverse_gives(name, args, prefix):
    set_script_prefix(prefix)
    try:
        assert path_of(name, *args) == reverse(name, args=args)
        assert path_of(name, *args).startswith(prefix)
    finally:
        set_script_prefix("/")


def test_a_running_card_keeps_its_star_and_a_failed_one_its_refund(alice, alice_key, alice_client):
    """Cards drawn afresh on the wall read their rows again (pages.full_cards): the star
    comes from the page's own read, the refund from the ledger."""
    from studio.credits import ledger

    running = GenerationFactory(user=alice, provider_key=alice_key, status=Status.PROCESSING)
    failed = GenerationFactory(
        user=alice, provider_key=alice_key, status=Status.FAILED, cost=10, minutes_ago=2
    )
    ledger.charge(failed)
    ledger.refund(failed.pk, "failed")
    alice_client.post(reverse("library:favourite", args=[running.pk]))

    html = alice_client.get("/").content.decode()

    assert 'aria-pressed="true"' in card_of(html, running)
    assert "data-running" in card_of(html, running)
    assert "10 credits, refunded" in card_of(html, failed)
    assert 'aria-pressed="false"' in card_of(html, failed)
