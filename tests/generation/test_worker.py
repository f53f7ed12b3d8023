"""The worker end to end against the sandbox over real HTTP: submit, poll, download."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from studio.accounts.models import ProviderKey
from studio.generation import assets, leases, poller, presses, services
from studio.generation.models import Asset, Generation, Status
from studio.generation.submit import generation_submit
from studio.sandbox.imaginepro.services import sandbox_account_credits
from tests.factories import FluxJobFactory, MidjourneyJobFactory
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_midjourney_grid_is_stored_with_thumbnails(alice, alice_key, sandbox_url):
    generation = run_to_final(
        MidjourneyJobFactory(
            user=alice, provider_key=alice_key, prompt="a lighthouse at dusk --ar 16:9"
        )
    )
    assert generation.status == Status.DONE, generation.error
    assert generation.progress == 100 and generation.finished_at and generation.message_id
    tiles = generation.images
    assert [tile.index for tile in tiles] == [1, 2, 3, 4]
    assert generation.assets.filter(role=Asset.Role.GRID).count() == 1
    for tile in tiles:
        full = Image.open(tile.file.open("rb"))
        assert full.size == (tile.width, tile.height)
        assert tile.width > tile.height  # 16:9
        thumb = Image.open(io.BytesIO(tile.thumbnail.open("rb").read()))
        assert thumb.format == "WEBP" and max(thumb.size) <= 512
        assert len(tile.sha256) == 64 and tile.bytes == tile.file.size
    # the tile buttons sit with their tiles, the reroll with the whole grid
    assert {asset.index: buttons for asset, buttons in generation.image_tiles}[2] == [
        "U2",
        "V2",
    ]
    assert "🔄" in generation.other_buttons


def test_upscale_button_makes_a_linked_child(alice, alice_key, sandbox_url):
    parent = run_to_final(
        MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a red kite --ar 1:1")
    )
    child = run_to_final(presses.button_press(user=alice, parent=parent, button="U1"))
    assert child.status == Status.DONE, child.error
    assert child.parent == parent and list(parent.children.all()) == [child]
    assert child.request_body == {"messageId": parent.message_id, "button": "U1"}
    [image] = child.images
    assert image.width == 2 * parent.images[0].width  # the sandbox upscales the tile 2×
    assert "Vary (Strong)" in child.buttons


@pytest.mark.parametrize("button", ["V3", "🔄"])
def test_variation_and_reroll_make_new_grids(alice, alice_key, sandbox_url, button):
    parent = run_to_final(
        MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a quiet harbour")
    )
    child = run_to_final(presses.button_press(user=alice, parent=parent, button=button))
    assert child.status == Status.DONE, child.error
    assert len(child.images) == 4
    assert {image.sha256 for image in child.images}.isdisjoint(
        {image.sha256 for image in parent.images}
    )


def test_flux_stores_n_images(alice, alice_key, sandbox_url):
    generation = services.flux_create(
        user=alice,
        provider_key=alice_key,
        prompt="a cabin",
        n=2,
        output_format="webp",
        width=512,
        height=768,
        params={},
    )
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    assert [(image.width, image.height, image.content_type) for image in generation.images] == [
        (512, 768, "image/webp"),
        (512, 768, "image/webp"),
    ]


def test_provider_failure_keeps_its_own_words(alice, alice_key, sandbox_url):
    generation = run_to_final(
        MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a banned thing")
    )
    assert generation.status == Status.FAILED
    assert "banned" in generation.error.lower()
    assert generation.finished_at is not None


def test_submit_is_sent_at_most_once(alice, alice_key, sandbox_url):
    before = sandbox_account_credits(api_key=alice_key.api_key)
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox")
    assert generation_submit(generation.pk) == Status.SUBMITTED
    assert generation_submit(generation.pk) == "not claimed"  # a duplicated task
    assert sandbox_account_credits(api_key=alice_key.api_key) == before - 10


def test_relax_costs_five(alice, alice_key, sandbox_url):
    before = sandbox_account_credits(api_key=alice_key.api_key)
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox --relax")
    assert generation.cost == 5
    generation_submit(generation.pk)
    assert sandbox_account_credits(api_key=alice_key.api_key) == before - 5


def test_no_credits_fails_with_the_providers_reason(alice, sandbox_url):
    from studio.sandbox.imaginepro.services import sandbox_account_create

    key = ProviderKey(user=alice, name="poor", is_sandbox=True)
    key.set_api_key(sandbox_account_create(label="poor", credits=3))
    key.save()
    generation = run_to_final(MidjourneyJobFactory(user=alice, provider_key=key, prompt="a fox"))
    assert generation.status == Status.FAILED
    assert "credits" in generation.error.lower()


def test_unreachable_provider_is_retried_then_fails(alice, settings):
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/api/v1"  # closed port: never sent
    settings.SUBMIT_MAX_ATTEMPTS = 2
    key = ProviderKey(user=alice, name="sandbox", is_sandbox=True)
    key.set_api_key("sk-whatever-1234")
    key.save()
    generation = MidjourneyJobFactory(user=alice, provider_key=key, prompt="a fox")
    assert generation_submit(generation.pk) == Status.QUEUED
    generation.refresh_from_db()
    assert generation.status == Status.QUEUED and "next try" in generation.status_note
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    assert generation_submit(generation.pk) == Status.FAILED
    generation.refresh_from_db()
    assert "Could not reach the provider" in generation.error


def test_deleted_key_fails_clearly(alice, alice_key, sandbox_url):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox")
    alice_key.delete()
    assert generation_submit(generation.pk) == Status.FAILED
    generation.refresh_from_db()
    assert "deleted" in generation.error


def test_job_past_its_deadline_is_closed(alice, alice_key, sandbox_url):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox")
    generation_submit(generation.pk)
    Generation.objects.filter(pk=generation.pk).update(
        deadline_at=timezone.now() - timedelta(seconds=1)
    )
    poller.poll_once(start_download=assets.generation_download)
    generation.refresh_from_db()
    assert generation.status == Status.FAILED and "time limit" in generation.error


def test_orphaned_queued_generation_is_submitted_by_the_poller(alice, alice_key, sandbox_url):
    generation = MidjourneyJobFactory(
        user=alice, provider_key=alice_key, prompt="a fox"
    )  # no task ran (cluster was down)
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    generation.refresh_from_db()
    assert generation.status == Status.DONE


def test_only_one_poller_holds_the_lease(alice, alice_key, sandbox_url):
    assert leases.take_lease("poller", "first", 60)
    assert not leases.take_lease("poller", "second", 60)
    MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox")
    assert poller.poll_loop(start_download=assets.generation_download, seconds=2) == 0
    leases.release_lease("poller", "first")
    assert leases.take_lease("poller", "second", 60)


def test_a_poll_takes_over_from_a_holder_killed_just_after_renewing(
    settings, monkeypatch, sandbox_url
):
    """The lease looks fresh (killed right after its heartbeat): the first poll of a new worker
    process watches it for one heartbeat, sees no renewal, and runs once it expires."""
    settings.POLL_LEASE_SECONDS = 1.5
    monkeypatch.setattr(leases, "_checked_holder", False)  # a fresh worker process
    assert leases.take_lease("poller", "killed", 1.5)
    assert poller.poll_loop(start_download=assets.generation_download, seconds=4) >= 1


def test_a_poll_leaves_a_live_poller_alone(settings, monkeypatch, sandbox_url):
    settings.POLL_LEASE_SECONDS = 1.5
    monkeypatch.setattr(leases, "_checked_holder", False)
    assert leases.take_lease("poller", "alive", 1.5)
    with leases._Heartbeat("poller", "alive", 1.5):
        assert poller.poll_loop(start_download=assets.generation_download, seconds=4) == 0
        assert not leases.take_lease("poller", "someone else", 1.5)


def test_stale_news_never_moves_a_generation_back(alice, alice_key, sandbox_url):
    from studio.generation import transitions
    from studio.provider.messages import parse_message

    generation = run_to_final(
        MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox")
    )
    assert generation.status == Status.DONE
    late = parse_message(
        {"messageId": generation.message_id, "status": "PROCESSING", "progress": 40}
    )
    assert transitions.apply_message(generation.pk, late, next_poll_in=1) is None
    generation.refresh_from_db()
    assert generation.status == Status.DONE and generation.progress == 100


def test_job_stuck_while_sending_is_closed_with_an_honest_reason(alice, alice_key, sandbox_url):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key, prompt="a fox")
    assert generation.deadline_at is not None  # set at creation, before any submit
    # The worker died between its claim and the provider's answer.
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.SUBMITTING, deadline_at=timezone.now() - timedelta(seconds=1)
    )
    poller.poll_once(start_download=assets.generation_download)
    generation.refresh_from_db()
    assert generation.status == Status.FAILED and "not sent again" in generation.error


def test_a_file_that_fails_keeps_those_before_it_for_the_next_try(alice, alice_key, sandbox_url):
    generation = run_to_final(FluxJobFactory(user=alice, provider_key=alice_key, n=2))
    message = generation.raw_message
    good, second = message["images"]
    generation.assets.all().delete()  # as if the provider had only just said DONE
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.DOWNLOADING, raw_message={**message, "images": [good, second + "-gone"]}
    )

    assert assets.generation_download(generation.pk) is False
    generation.refresh_from_db()
    assert generation.status == Status.DOWNLOADING
    assert "saving the files failed" in generation.status_note
    [first] = generation.assets.all()  # the file stored before the failure is kept
    assert first.index == 1 and first.file.size == first.bytes

    Generation.objects.filter(pk=generation.pk).update(raw_message=message)
    assert assets.generation_download(generation.pk) is True
    generation.refresh_from_db()
    assert generation.status == Status.DONE and generation.aspect_ratio == "1:1"
    assert [image.index for image in generation.images] == [1, 2]
    assert generation.images[0].pk == first.pk  # not fetched again
