"""A team viewer looks, stars and downloads; the gallery offers them nothing that creates,
and the server refuses it anyway. The heading and the key callout name the team."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from studio.generation.models import Generation, Status
from tests.factories import AssetFactory, GenerationFactory
from tests.gallery.conftest import HTMX, client_for, member

pytestmark = pytest.mark.django_db

CREATE_MARKS = (
    'name="button"',  # U1, V1, 🔄 … presses
    "Retry",
    ">Cancel<",
    "New Midjourney",
    "Add to collection",
    "/library/delete/",
)


@pytest.fixture
def team_gallery(team):
    olga = member(team, "olga")
    done = GenerationFactory(user=olga, team=team, buttons=["U1", "V1", "🔄"], minutes_ago=3)
    AssetFactory(generation=done)
    running = GenerationFactory(user=olga, team=team, status=Status.PROCESSING, minutes_ago=2)
    failed = GenerationFactory(
        user=olga, team=team, status=Status.FAILED, error="boom", minutes_ago=1
    )
    return {"done": done, "running": running, "failed": failed}


def test_a_viewer_sees_no_create_buttons(team, team_gallery):
    vera = member(team, "vera")
    client = client_for(vera, team)

    html = client.get("/").content.decode()

    assert len(re.findall(r'<article class="card', html)) == 3
    for mark in CREATE_MARKS:
        assert mark not in html, mark
    assert "/library/zip/" in html  # downloading is looking
    assert "/library/favourite/" in html
    # A card rendered alone (a running card's poll) hides them too.
    card = client.get(f"/g/{team_gallery['running'].pk}/card/", headers=HTMX).content.decode()
    assert ">Cancel<" not in card and "/library/delete/" not in card


def test_a_creator_sees_them(team, team_gallery):
    cora = member(team, "cora")

    html = client_for(cora, team).get("/").content.decode()

    for mark in CREATE_MARKS[:-1]:
        if mark != ">Cancel<":  # below: only on her own running job
            assert mark in html, mark
    # Cancel is for the job's maker and the team's owners: cora's own job, not olga's.
    own = GenerationFactory(user=cora, team=team, status=Status.PROCESSING, minutes_ago=1)
    for job, offered in ((own, True), (team_gallery["running"], False)):
        card = client_for(cora, team).get(f"/g/{job.pk}/card/", headers=HTMX).content.decode()
        assert (">Cancel<" in card) is offered, job


def test_a_viewer_is_refused_on_posts(team, team_gallery):
    vera = member(team, "vera")
    client = client_for(vera, team)
    done = team_gallery["done"]

    for url, data in (
        ("/library/delete/", {"ids": [done.pk], "confirm": "1"}),
        ("/library/add/", {"ids": [done.pk], "name": "Mine"}),
        ("/library/collections/", {"name": "Mine"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 403, url
    # A press makes nothing (the press service checks the role).
    client.post(f"/g/{done.pk}/press/", {"button": "U1"}, headers=HTMX)
    assert not Generation.objects.filter(parent=done).exists()
    assert Generation.objects.count() == 3


def test_the_team_gallery_names_the_team_and_who_adds_a_key(team):
    olga, cora, vera = (member(team, name) for name in ("olga", "cora", "vera"))

    owner = client_for(olga, team).get("/").content.decode()
    creator = client_for(cora, team).get("/").content.decode()
    viewer = client_for(vera, team).get("/").content.decode()

    assert "<h1>Studio Nord <small" in owner
    assert "As a team owner, add one on the team" in owner
    assert "Only a team owner can add one" in creator
    assert "You are a viewer in Studio Nord" in viewer
    for html in (owner, creator, viewer):
        assert "Set up a key" not in html  # the personal Keys page is not the way here


def test_share_is_offered_to_those_who_may_share(team, team_gallery):
    done = team_gallery["done"]
    asset = done.assets.first()
    share = reverse("sharing:create")
    for name, offered in (("vera", False), ("cora", True)):
        client = client_for(member(team, name), team)
        detail = client.get(done.get_absolute_url()).content.decode()
        panel = client.get(
            reverse("generation:lightbox", args=[done.pk]), {"asset": asset.pk}, headers=HTMX
        ).content.decode()
        assert (share in detail, share in panel) == (offered, offered), name
