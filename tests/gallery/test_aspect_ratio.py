"""The delivered aspect ratio: recorded when a result is stored (over the sandbox), snapped
to the ratio people name, and backfilled for generations stored before."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from studio.generation import services
from studio.generation.models import Asset, Status
from studio.generation.ratios import aspect_ratio_of
from tests.factories import AssetFactory, GenerationFactory
from tests.support import run_to_final


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1024, 1024), "1:1"),
        ((1456, 816), "16:9"),  # Midjourney's 16:9 is 1.784
        ((816, 1456), "9:16"),
        ((1232, 928), "4:3"),
        ((928, 1232), "3:4"),
        ((1536, 1024), "3:2"),
        ((2048, 878), "21:9"),
        ((1000, 700), "10:7"),  # no common ratio within 2 %: reduced
        ((1000, 1100), "10:11"),
        ((0, 10), ""),
    ],
)
def test_ratio_names(size, expected):
    assert aspect_ratio_of(*size) == expected


@pytest.mark.django_db(transaction=True)
def test_a_finished_flux_image_records_its_ratio_and_the_gallery_offers_it(
    alice, alice_key, sandbox_url, alice_client
):
    generation = services.flux_create(
        user=alice,
        provider_key=alice_key,
        prompt="a wide valley",
        n=1,
        output_format="png",
        aspect_ratio="16:9",
        params={"prompt": "a wide valley"},
    )
    assert generation.aspect_ratio == ""

    generation = run_to_final(generation)

    assert generation.status == Status.DONE, generation.error
    image = generation.assets.get(role=Asset.Role.IMAGE)
    assert generation.aspect_ratio == aspect_ratio_of(image.width, image.height) == "16:9"
    html = alice_client.get("/?aspect_ratio=16:9").content.decode()
    assert '<option value="16:9" selected>16:9</option>' in html
    assert f'id="card-{generation.pk}"' in html


@pytest.mark.django_db
def test_the_migration_backfills_from_the_first_stored_image(alice):
    backfill = importlib.import_module(
        "studio.generation.migrations.0005_aspect_ratio_backfill"
    ).aspect_ratios_backfill
    portrait = GenerationFactory(user=alice)
    AssetFactory(generation=portrait, index=1, size=(816, 1456))
    AssetFactory(generation=portrait, index=2, size=(1456, 816))  # only the first image counts
    AssetFactory(generation=portrait, index=1, size=(2048, 2048), role=Asset.Role.GRID)
    video = GenerationFactory(user=alice)
    AssetFactory(generation=video, index=1, size=(1920, 1080), role=Asset.Role.VIDEO)
    nothing = GenerationFactory(user=alice, status=Status.FAILED)
    kept = GenerationFactory(user=alice, aspect_ratio="2:3")
    AssetFactory(generation=kept, index=1, size=(1024, 1024))

    backfill(apps, None)

    for generation in (portrait, video, nothing, kept):
        generation.refresh_from_db()
    assert (portrait.aspect_ratio, video.aspect_ratio) == ("9:16", "16:9")
    assert nothing.aspect_ratio == ""
    assert kept.aspect_ratio == "2:3"  # already known: left alone
