"""ImagineLab's history imported without duplicates, deleting here and at the provider, the
wallet in the header and the packages page, and the forms (models, settings, cost)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studio.credits.models import LedgerEntry
from studio.generation import assets, poller, tasks
from studio.generation.models import Asset, Generation, Status
from studio.imaginelab import services
from studio.sandbox.imaginelab.models import SandboxLabGeneration
from studio.sandbox.imaginelab.services import expire_tokens
from tests.imaginelab.conftest import lab_form
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}


def test_history_imports_once_per_provider_id(alice, alice_client, lab_key):
    made_here = run_to_final(
        services.lab_create(alice, lab_key, "image", "seedream-5.0-lite", "made here", {})
    )
    lab = services.client(lab_key)
    elsewhere = [
        lab.create(generation_type="text", model_name="scribe-1", prompt="made elsewhere"),
        lab.create(
            generation_type="music",
            model_name="harmonia-1",
            prompt="a tune elsewhere",
            settings={"duration": 5},
        ),
    ]
    first = tasks.import_history(str(lab_key.pk))
    assert first["error"] == "" and len(first["created"]) == 2 and first["skipped"] == 1
    again = tasks.import_history(str(lab_key.pk))
    assert again["created"] == [] and again["skipped"] == 3
    assert Generation.objects.filter(provider_key=lab_key).count() == 3
    ids = set(Generation.objects.values_list("message_id", flat=True))
    assert ids == {made_here.message_id, *(str(item.id) for item in elsewhere)}

    poller.poll_loop(start_download=assets.generation_download, seconds=20)
    imported = Generation.objects.filter(pk__in=first["created"]).order_by("created_at")
    assert [g.status for g in imported] == [Status.DONE, Status.DONE]
    assert [g.get_action_display() for g in imported] == ["Text", "Music"]  # oldest first
    assert imported[0].text_outputs
    assert imported[1].assets.get().role == Asset.Role.AUDIO
    # Each costs what ImagineLab's history says, booked once (importing again adds nothing),
    # and the Usage page splits ImagineLab by type and model.
    assert [g.cost for g in imported] == [item.credit_cost for item in elsewhere]
    assert all(g.cost > 0 for g in imported)
    booked = LedgerEntry.objects.filter(generation__in=imported, kind="charge")
    assert sorted(booked.values_list("credits", flat=True)) == sorted(g.cost for g in imported)
    usage = alice_client.get(reverse("credits:usage")).content.decode()
    assert 'data-model="imaginelab:text:scribe-1"' in usage
    assert "ImagineLab · Music · harmonia-1" in usage
    assert "ImagineLab · Image · seedream-5.0-lite" in usage


def test_delete_here_and_at_the_provider(alice, alice_client, lab_key):
    generation = run_to_final(
        services.lab_create(alice, lab_key, "image", "seedream-5.0-lite", "to delete", {})
    )
    page = alice_client.get(reverse("generation:detail", args=[generation.pk])).content.decode()
    assert "Delete here and at ImagineLab" in page
    file_name = generation.assets.get().file.name
    response = alice_client.post(reverse("imaginelab:delete", args=[generation.pk]), follow=True)
    assert "Deleted here and at ImagineLab." in response.content.decode()
    assert not Generation.objects.filter(pk=generation.pk).exists()
    assert not SandboxLabGeneration.objects.filter(pk=int(generation.message_id)).exists()
    from django.core.files.storage import default_storage

    assert not default_storage.exists(file_name)


def test_gone_at_the_provider_counts_as_deleted(alice, alice_client, lab_key):
    generation = run_to_final(
        services.lab_create(alice, lab_key, "text", "scribe-1", "already gone", {})
    )
    services.client(lab_key).delete(generation.message_id)
    response = alice_client.post(reverse("imaginelab:delete", args=[generation.pk]), follow=True)
    assert "ImagineLab no longer had it" in response.content.decode()
    assert not Generation.objects.filter(pk=generation.pk).exists()


def test_a_provider_refusal_keeps_ours_and_says_why(
    alice, alice_client, lab_account, lab_token_key
):
    generation = run_to_final(
        services.lab_create(alice, lab_token_key, "text", "scribe-1", "keep me", {})
    )
    expire_tokens(lab_account.email)
    response = alice_client.post(reverse("imaginelab:delete", args=[generation.pk]), follow=True)
    html = response.content.decode()
    assert "ImagineLab did not delete it, so it is kept here too." in html
    assert "Sign in to ImagineLab again" in html
    assert Generation.objects.filter(pk=generation.pk).exists()
    assert SandboxLabGeneration.objects.filter(pk=int(generation.message_id)).exists()


def test_someone_else_cannot_delete(alice, charlie, client, lab_key):
    generation = run_to_final(services.lab_create(alice, lab_key, "text", "scribe-1", "mine", {}))
    client.force_login(charlie)
    assert client.post(reverse("imaginelab:delete", args=[generation.pk])).status_code == 404
    assert SandboxLabGeneration.objects.filter(pk=int(generation.message_id)).exists()


def test_header_balance_and_packages_come_from_the_wallet(alice, alice_client, lab_key):
    balance = services.wallet_balance(lab_key)
    header = alice_client.get(reverse("generation:credits")).content.decode()
    assert f'data-balance="{balance}"' in header and 'data-provider="imaginelab"' in header
    assert reverse("imaginelab:credits") in header
    run_to_final(services.lab_create(alice, lab_key, "voice", "vocalis-1", "one two", {}))
    header = alice_client.get(reverse("generation:credits")).content.decode()
    assert f'data-balance="{balance - 3}"' in header  # a finished job refreshes it
    page = alice_client.get(reverse("imaginelab:credits")).content.decode()
    assert f'data-balance="{balance - 3}"' in page
    for package in services.lab_packages(lab_key):
        assert package["name"] in page


def test_the_form_shows_the_models_settings_and_cost(alice_client, lab_key):
    page = alice_client.get(reverse("imaginelab:new", args=["image"])).content.decode()
    assert "Seedream 5.0 Lite · 5 credits" in page and "Lumen XL · 7 credits" in page
    assert 'name="aspect_ratio"' in page
    assert "Cost: <strong>5 credits</strong>" in page
    # Choosing another model reloads only its settings and cost (htmx).
    partial = alice_client.get(
        reverse("imaginelab:new", args=["image"]),
        {"key": lab_key.pk, "model": "lumen-xl", "prompt": "x"},
        headers={**HTMX, "HX-Target": "lab-settings"},
    ).content.decode()
    assert partial.lstrip().startswith('<div id="lab-settings"')
    assert "Cost: <strong>7 credits</strong>" in partial and "<html" not in partial
    music = alice_client.get(reverse("imaginelab:new", args=["music"])).content.decode()
    assert 'type="number" name="duration"' in music and 'min="5"' in music and 'max="60"' in music
    assert "Cost: <strong>8 credits</strong>" in music
    assert alice_client.get(reverse("imaginelab:new", args=["sculpture"])).status_code == 404


def test_bad_settings_are_field_errors_and_nothing_is_sent(alice_client, lab_key):
    response = lab_form(alice_client, "music", lab_key, "harmonia-1", "a tune", duration="600")
    assert response.status_code == 400
    assert "less than or equal to 60" in response.content.decode()
    assert not Generation.objects.exists()
    response = lab_form(alice_client, "music", lab_key, "no-such-model", "a tune")
    assert response.status_code == 400 and not Generation.objects.exists()


def test_retry_fills_the_form_with_the_same_settings(alice, alice_client, lab_key):
    generation = services.lab_create(
        alice, lab_key, "music", "harmonia-1", "a slow waltz", {"duration": 9, "genre": "jazz"}
    )
    page = alice_client.get(
        reverse("imaginelab:new", args=["music"]), {"retry": generation.pk}
    ).content.decode()
    assert "a slow waltz" in page and 'value="9"' in page
    assert '<option value="jazz" selected>' in page


def test_refresh_models_asks_the_provider_again(alice_client, lab_key):
    from django.core.cache import cache

    services.lab_models(lab_key)
    cache.set(services._models_cache_key(lab_key), [], 3600)  # a stale, empty list
    page = alice_client.get(reverse("imaginelab:new", args=["image"])).content.decode()
    assert "lists no image models" in page
    response = alice_client.post(
        reverse("imaginelab:models_refresh"),
        {"key": lab_key.pk, "next": reverse("imaginelab:new", args=["image"])},
        follow=True,
    )
    assert "Models refreshed" in response.content.decode()
    assert "Seedream 5.0 Lite" in response.content.decode()


def test_without_an_imaginelab_key_the_form_sends_to_the_keys_page(alice_client, alice_key):
    response = alice_client.get(reverse("imaginelab:new", args=["image"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("keys"))
