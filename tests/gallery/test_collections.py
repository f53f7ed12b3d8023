"""Favourites (each person's own star) and collections (per workspace: personal, or seen by
every member of a team and changed by its creators and owners)."""

from __future__ import annotations

import re

import pytest

from studio.gallery.models import Collection, CollectionItem, Favourite
from tests.factories import CollectionFactory, GenerationFactory
from tests.gallery.conftest import HTMX, client_for, member

pytestmark = pytest.mark.django_db


def star(html: str, generation) -> str:
    """The star button of a card."""
    match = re.search(
        rf'action="/library/favourite/{generation.pk}/".*?<button[^>]*aria-pressed="(\w+)"',
        html,
        re.DOTALL,
    )
    return match.group(1)


# --- favourites ------------------------------------------------------------------------------


def test_star_toggles_in_place_with_htmx(alice, alice_client):
    generation = GenerationFactory(user=alice)
    assert star(alice_client.get("/").content.decode(), generation) == "false"

    on = alice_client.post(f"/library/favourite/{generation.pk}/", headers=HTMX)
    assert on.status_code == 200
    assert 'aria-pressed="true"' in on.content.decode()
    assert "★" in on.content.decode()
    assert Favourite.objects.filter(user=alice, generation=generation).exists()
    assert star(alice_client.get("/").content.decode(), generation) == "true"
    card = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX).content.decode()
    assert star(card, generation) == "true"

    off = alice_client.post(f"/library/favourite/{generation.pk}/", headers=HTMX)
    assert 'aria-pressed="false"' in off.content.decode()
    assert not Favourite.objects.exists()


def test_star_without_javascript_goes_back(alice, alice_client):
    generation = GenerationFactory(user=alice)

    response = alice_client.post(
        f"/library/favourite/{generation.pk}/", HTTP_REFERER="http://testserver/?q=light"
    )

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/?q=light"
    assert Favourite.objects.filter(user=alice).count() == 1


def test_a_stranger_cannot_star(alice, charlie):
    generation = GenerationFactory(user=alice)

    response = client_for(charlie).post(f"/library/favourite/{generation.pk}/")

    assert response.status_code == 404
    assert not Favourite.objects.exists()


def test_a_team_viewer_may_star_for_themselves(team):
    olga, vera = member(team, "olga"), member(team, "vera")
    generation = GenerationFactory(user=olga, team=team)

    response = client_for(vera, team).post(f"/library/favourite/{generation.pk}/", headers=HTMX)

    assert response.status_code == 200
    assert Favourite.objects.get().user == vera


# --- collections -----------------------------------------------------------------------------


def test_create_add_rename_remove_delete(alice, alice_client):
    first = GenerationFactory(user=alice, prompt="first", minutes_ago=2)
    second = GenerationFactory(user=alice, prompt="second", minutes_ago=1)

    created = alice_client.post("/library/collections/", {"name": "  Summer   trip "})
    collection = Collection.objects.get()
    assert collection.name == "Summer trip"
    assert collection.team is None and collection.owner == alice
    assert created["Location"] == f"/library/collections/{collection.pk}/"

    # From a card: the link asks which collection.
    ask = alice_client.get(f"/library/add/?ids={first.pk}").content.decode()
    assert "1 generation chosen." in ask
    assert f'name="collection" value="{collection.pk}"' in ask
    added = alice_client.post(
        "/library/add/",
        {"ids": [first.pk, second.pk], "collection": collection.pk, "next": "/?q=x"},
        follow=True,
    )
    assert added.redirect_chain[-1][0] == "/?q=x"
    assert "“Summer trip”: Added 2 to the collection." in added.content.decode()
    again = alice_client.post(
        "/library/add/", {"ids": [first.pk], "collection": collection.pk}, follow=True
    )
    assert "Added 0 to the collection. 1 was already in it." in again.content.decode()
    assert CollectionItem.objects.count() == 2

    page = alice_client.get(f"/library/collections/{collection.pk}/").content.decode()
    assert re.findall(r'id="tile-([0-9a-f-]+)"', page) == [str(second.pk), str(first.pk)]
    listing = alice_client.get("/library/collections/").content.decode()
    assert "Summer trip" in listing and "2 items" in listing

    alice_client.post(f"/library/collections/{collection.pk}/rename/", {"name": "Trip"})
    collection.refresh_from_db()
    assert collection.name == "Trip"
    refused = alice_client.post(
        f"/library/collections/{collection.pk}/rename/", {"name": "  "}, follow=True
    )
    assert "Give the collection a name." in refused.content.decode()
    collection.refresh_from_db()
    assert collection.name == "Trip"

    alice_client.post(f"/library/collections/{collection.pk}/remove/", {"ids": [first.pk]})
    assert list(collection.generations.all()) == [second]

    alice_client.post(f"/library/collections/{collection.pk}/delete/")
    assert not Collection.objects.exists()
    assert set(alice.generations.all()) == {first, second}  # the images stay


def test_add_to_a_new_collection_from_the_selection(alice, alice_client):
    chosen = [GenerationFactory(user=alice), GenerationFactory(user=alice)]

    ask = alice_client.post("/library/add/", {"ids": [g.pk for g in chosen], "next": "/"})
    assert ask.status_code == 200
    assert "2 generations chosen." in ask.content.decode()
    alice_client.post(
        "/library/add/", {"ids": [g.pk for g in chosen], "name": "Picks", "next": "/"}
    )

    assert set(Collection.objects.get(name="Picks").generations.all()) == set(chosen)


def test_an_empty_name_is_refused_and_kept_nothing_made(alice, alice_client):
    response = alice_client.post("/library/collections/", {"name": ""})

    assert response.status_code == 400
    assert "Give the collection a name." in response.content.decode()
    assert not Collection.objects.exists()


def test_a_generation_joins_only_a_collection_of_its_workspace(alice, alice_client, team):
    olga = member(team, "olga")
    team_image = GenerationFactory(user=olga, team=team)
    mine = CollectionFactory(owner=alice, name="Mine")

    added = alice_client.post("/library/add/", {"ids": [team_image.pk], "collection": mine.pk})
    made = alice_client.post("/library/add/", {"ids": [team_image.pk], "name": "From nothing"})

    # alice cannot even see it: as for an unknown id, nothing is added and nothing made
    assert (added.status_code, made.status_code) == (404, 404)
    assert not CollectionItem.objects.exists()
    assert list(Collection.objects.values_list("name", flat=True)) == ["Mine"]


def test_team_collections_are_seen_by_every_member_and_changed_by_creators(team, charlie):
    olga, cora, vera = (member(team, name) for name in ("olga", "cora", "vera"))
    image = GenerationFactory(user=cora, team=team)
    cora_client = client_for(cora, team)
    cora_client.post("/library/collections/", {"name": "Moodboard"})
    board = Collection.objects.get()
    assert board.team == team
    cora_client.post("/library/add/", {"ids": [image.pk], "collection": board.pk})

    for person in (olga, vera):
        client = client_for(person, team)
        assert "Moodboard" in client.get("/library/collections/").content.decode()
        page = client.get(f"/library/collections/{board.pk}/").content.decode()
        assert f'id="tile-{image.pk}"' in page
    # The viewer looks only: no rename, remove or delete, and the server refuses them.
    vera_client = client_for(vera, team)
    page = vera_client.get(f"/library/collections/{board.pk}/").content.decode()
    assert "Rename" not in page and "Delete the collection" not in page
    assert 'name="name"' not in vera_client.get("/library/collections/").content.decode()
    for url, data in (
        (f"/library/collections/{board.pk}/rename/", {"name": "Mine now"}),
        (f"/library/collections/{board.pk}/remove/", {"ids": [image.pk]}),
        (f"/library/collections/{board.pk}/delete/", {}),
        ("/library/add/", {"ids": [image.pk], "collection": board.pk}),
        ("/library/collections/", {"name": "Viewer's own"}),
    ):
        response = vera_client.post(url, data)
        assert response.status_code == 403, url
        assert "Viewers can look" in response.content.decode()
    board.refresh_from_db()
    assert board.name == "Moodboard" and board.generations.count() == 1
    assert Collection.objects.count() == 1

    # The owner may rename a creator's collection.
    client_for(olga, team).post(f"/library/collections/{board.pk}/rename/", {"name": "Mood"})
    board.refresh_from_db()
    assert board.name == "Mood"

    # Not a member: not found, and not listed in their own workspace.
    stranger = client_for(charlie)
    assert stranger.get(f"/library/collections/{board.pk}/").status_code == 404
    assert stranger.post(f"/library/collections/{board.pk}/delete/").status_code == 404
    assert "Mood" not in stranger.get("/library/collections/").content.decode()


def test_a_personal_collection_is_its_owners_alone(alice, alice_client, charlie, team):
    mine = CollectionFactory(owner=alice, name="Private")

    assert client_for(charlie).get(f"/library/collections/{mine.pk}/").status_code == 404
    olga = member(team, "olga")
    assert "Private" not in client_for(olga, team).get("/library/collections/").content.decode()
    # Nor does it show in a team workspace's gallery filter.
    assert "Private" not in client_for(olga, team).get("/").content.decode()
    assert "Private" in alice_client.get("/").content.decode()
