"""Select many: a ZIP of exactly what the person may see, and deleting (rows and stored
files) by the maker or a team owner only, never while it runs."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from studio.gallery import archive
from studio.gallery.models import CollectionItem, Favourite
from studio.generation.models import Asset, Generation, Model, Status
from tests.factories import AssetFactory, CollectionFactory, GenerationFactory
from tests.gallery.conftest import client_for, member

pytestmark = pytest.mark.django_db


def zip_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(data))


def stored_names(generation) -> list[str]:
    return [
        name
        for asset in generation.assets.all()
        for name in (asset.file.name, asset.thumbnail.name)
    ]


# --- ZIP -------------------------------------------------------------------------------------


def test_zip_holds_the_visible_files_named_readably_with_their_bytes(alice, alice_client, charlie):
    day = timezone.make_aware(datetime(2026, 11, 3, 9, 30))
    grid = GenerationFactory(user=alice, prompt="A lighthouse at dusk, --ar 16:9")
    Generation.objects.filter(pk=grid.pk).update(created_at=day)
    tiles = [AssetFactory(generation=grid, index=n, color=(n * 40, 0, 0)) for n in (1, 2)]
    AssetFactory(
        generation=grid, index=1, role=Asset.Role.GRID
    )  # the grid composite is not a result file
    flux = GenerationFactory(user=alice, model=Model.FLUX, prompt="")
    Generation.objects.filter(pk=flux.pk).update(created_at=day + timedelta(hours=1))
    flux_image = AssetFactory(generation=flux, index=1, color=(0, 0, 200))
    theirs = GenerationFactory(user=charlie, prompt="secret")
    AssetFactory(generation=theirs, index=1)

    response = alice_client.post("/library/zip/", {"ids": [grid.pk, flux.pk, theirs.pk]})

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="studio-')
    archive_ = zip_of(response)
    expected = {
        "2026-11-03-a-lighthouse-at-dusk-ar-169-1.png": tiles[0],
        "2026-11-03-a-lighthouse-at-dusk-ar-169-2.png": tiles[1],
        "2026-11-03-flux-1.png": flux_image,
    }
    assert sorted(archive_.namelist()) == sorted(expected)
    for name, asset in expected.items():
        with asset.file.open("rb") as stored:
            assert archive_.read(name) == stored.read()


def test_same_day_same_prompt_names_do_not_collide(alice, alice_client):
    first, second = GenerationFactory(user=alice), GenerationFactory(user=alice)
    AssetFactory(generation=first)
    AssetFactory(generation=second)

    names = zip_of(alice_client.post("/library/zip/", {"ids": [first.pk, second.pk]})).namelist()

    assert len(set(names)) == 2
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d-a-lighthouse-at-dusk-1-2\.png", n) for n in names)


def test_a_team_member_zips_the_team_images(team):
    olga, vera = member(team, "olga"), member(team, "vera")
    image = GenerationFactory(user=olga, team=team)
    AssetFactory(generation=image)

    names = zip_of(client_for(vera, team).post("/library/zip/", {"ids": [image.pk]})).namelist()

    assert len(names) == 1


def test_too_many_or_nothing_says_so_and_goes_back(alice, alice_client, settings):
    too_many = [GenerationFactory(user=alice).pk for _ in range(archive.ZIP_MAX_ITEMS + 1)]

    response = alice_client.post("/library/zip/", {"ids": too_many, "next": "/?q=x"}, follow=True)

    assert response.redirect_chain == [("/?q=x", 302)]
    assert (
        f"A ZIP holds at most {archive.ZIP_MAX_ITEMS} generations and "
        f"{archive.ZIP_MAX_ITEMS + 1} are chosen" in response.content.decode()
    )
    nothing = alice_client.post("/library/zip/", {"ids": []}, follow=True)
    assert "Choose the generations to download first." in nothing.content.decode()
    unfinished = GenerationFactory(user=alice, status=Status.PROCESSING)
    none_stored = alice_client.post("/library/zip/", {"ids": [unfinished.pk]}, follow=True)
    assert "None of the chosen generations has a stored file yet." in (none_stored.content.decode())


# --- delete ----------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_rows_and_stored_files(
    alice, alice_client, django_capture_on_commit_callbacks
):
    parent = GenerationFactory(user=alice, prompt="parent", minutes_ago=3)
    AssetFactory(generation=parent)
    child = GenerationFactory(user=alice, parent=parent, root=parent, prompt="child", minutes_ago=2)
    AssetFactory(generation=child)
    other = GenerationFactory(user=alice, prompt="other", minutes_ago=1)
    Favourite.objects.create(user=alice, generation=parent)
    CollectionFactory(owner=alice, name="C", generations=[parent])
    files = stored_names(parent)
    assert all(default_storage.exists(name) for name in files)

    ask = alice_client.get(f"/library/delete/?ids={parent.pk}&next=/")
    assert ask.status_code == 200
    assert "Delete 1 generation?" in ask.content.decode()
    assert Generation.objects.filter(pk=parent.pk).exists()  # asking deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        with_commit = alice_client.post(
            "/library/delete/", {"ids": [parent.pk], "confirm": "1", "next": "/"}, follow=True
        )

    assert "Deleted 1 generation and their files." in with_commit.content.decode()
    assert not Generation.objects.filter(pk=parent.pk).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert not Favourite.objects.exists() and not CollectionItem.objects.exists()
    child.refresh_from_db()
    assert child.parent_id is None and child.root_id is None  # the child stays
    assert all(default_storage.exists(name) for name in stored_names(child))
    assert Generation.objects.filter(pk=other.pk).exists()
    html = with_commit.content.decode()
    assert f'id="card-{parent.pk}"' not in html and f'id="card-{child.pk}"' in html


def test_bulk_delete_keeps_running_ones_with_the_reason(alice, alice_client):
    done = GenerationFactory(user=alice, minutes_ago=2)
    running = GenerationFactory(user=alice, status=Status.PROCESSING, minutes_ago=1)

    ask = alice_client.post("/library/delete/", {"ids": [done.pk, running.pk]}).content.decode()
    assert "Delete 1 generation?" in ask
    assert "still running: cancel it first" in ask

    response = alice_client.post(
        "/library/delete/", {"ids": [done.pk, running.pk], "confirm": "1"}, follow=True
    )

    assert list(Generation.objects.all()) == [running]
    assert "Deleted 1 generation" in response.content.decode()


def test_a_running_one_alone_is_refused_with_a_sentence(alice, alice_client):
    running = GenerationFactory(user=alice, status=Status.QUEUED)

    response = alice_client.post(
        "/library/delete/", {"ids": [running.pk], "confirm": "1"}, follow=True
    )

    assert "It is still running: cancel it first, or wait until it finishes." in (
        response.content.decode()
    )
    assert Generation.objects.filter(pk=running.pk).exists()


def test_a_creator_cannot_delete_a_teammates_image_but_the_owner_can(
    team, django_capture_on_commit_callbacks
):
    olga, cora = member(team, "olga"), member(team, "cora")
    by_olga = GenerationFactory(user=olga, team=team, minutes_ago=2)
    by_cora = GenerationFactory(user=cora, team=team, minutes_ago=1)
    AssetFactory(generation=by_cora)
    files = stored_names(by_cora)
    cora_client = client_for(cora, team)

    gallery = cora_client.get("/").content.decode()
    assert f"/library/delete/?ids={by_cora.pk}" in gallery
    assert f"/library/delete/?ids={by_olga.pk}" not in gallery
    refused = cora_client.post("/library/delete/", {"ids": [by_olga.pk], "confirm": "1"})
    assert refused.status_code == 403
    assert "Only its maker or a team owner can delete it." in refused.content.decode()
    assert Generation.objects.filter(pk=by_olga.pk).exists()

    owner = client_for(olga, team)
    assert f"/library/delete/?ids={by_cora.pk}" in owner.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner.post("/library/delete/", {"ids": [by_cora.pk], "confirm": "1"})
    assert not Generation.objects.filter(pk=by_cora.pk).exists()
    assert not any(default_storage.exists(name) for name in files)


def test_a_stranger_deletes_nothing(alice, charlie):
    mine = GenerationFactory(user=alice)

    client_for(charlie).post("/library/delete/", {"ids": [mine.pk], "confirm": "1"})

    assert Generation.objects.filter(pk=mine.pk).exists()


def test_deleting_from_its_own_page_returns_to_the_gallery(alice, alice_client):
    generation = GenerationFactory(user=alice)

    response = alice_client.post(
        "/library/delete/",
        {"ids": [generation.pk], "confirm": "1", "next": f"/g/{generation.pk}/"},
    )

    assert response["Location"] == "/"


def test_the_delete_service_refuses_with_the_reason(team, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    from studio.gallery import services

    olga, cora = member(team, "olga"), member(team, "cora")
    by_olga = GenerationFactory(user=olga, team=team)
    running = GenerationFactory(user=cora, team=team, status=Status.SUBMITTED)
    mine = GenerationFactory(user=cora, team=team)
    AssetFactory(generation=mine)
    files = stored_names(mine)

    with pytest.raises(PermissionDenied, match="Only its maker or a team owner"):
        services.generation_delete(cora, by_olga)
    with pytest.raises(services.LibraryError, match="cancel it first"):
        services.generation_delete(cora, running)
    with django_capture_on_commit_callbacks(execute=True):
        services.generation_delete(cora, mine)

    assert set(Generation.objects.all()) == {by_olga, running}
    assert not any(default_storage.exists(name) for name in files)
