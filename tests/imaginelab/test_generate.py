"""Each ImagineLab type end to end: the form, the worker against the sandbox over real HTTP,
and the stored files a person then sees and plays."""

from __future__ import annotations

import io
import wave

import pytest
from django.urls import reverse
from PIL import Image

from studio.credits.models import LedgerEntry
from studio.generation.models import Asset, Generation, Model, Status
from studio.imaginelab import services
from studio.media.video import probe_video
from tests.imaginelab.conftest import lab_form
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


def submitted(client, generation_type, key, model, prompt, **settings) -> Generation:
    response = lab_form(client, generation_type, key, model, prompt, **settings)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("generation:gallery")
    return Generation.objects.get(model=Model.IMAGINELAB, prompt=prompt)


def stored(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


@pytest.mark.parametrize(
    ("generation_type", "model", "options", "width_height"),
    [
        ("image", "seedream-5.0-lite", {"aspect_ratio": "16:9"}, (16, 9)),
        ("infographic", "chartsmith-1", {"aspect_ratio": "3:4", "theme": "dark"}, (3, 4)),
    ],
)
def test_image_and_infographic_are_stored_as_png_images(
    alice_client, lab_key, generation_type, model, options, width_height
):
    generation = submitted(
        alice_client,
        generation_type,
        lab_key,
        model,
        f"a {generation_type} of a harbour",
        **options,
    )
    assert generation.request_body["settings"] == options
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    (image,) = generation.assets.filter(role=Asset.Role.IMAGE)
    assert image.content_type == "image/png"
    picture = Image.open(io.BytesIO(stored(image)))
    assert picture.format == "PNG"
    w, h = width_height
    assert abs(picture.width / picture.height - w / h) < 0.02
    assert image.thumbnail  # the gallery shows a thumbnail
    page = alice_client.get(reverse("generation:gallery")).content.decode()
    assert reverse("generation:asset", args=[image.pk, "thumb"]) in page


@pytest.mark.parametrize("model", ["kinetic-2", "loop-motion-1"])  # MP4, and animated WebP
def test_video_is_stored_as_a_playable_mp4_with_a_poster(alice_client, lab_key, model):
    generation = submitted(
        alice_client, "video", lab_key, model, f"waves on rocks, {model}", duration="5"
    )
    generation = run_to_final(generation, seconds=30)
    assert generation.status == Status.DONE, generation.error
    (video,) = generation.assets.filter(role=Asset.Role.VIDEO)
    info = probe_video(stored(video))
    assert video.content_type == "video/mp4" and info.content_type == "video/mp4"
    assert info.duration == pytest.approx(5, abs=0.6)
    assert video.duration == pytest.approx(info.duration, abs=0.01)
    assert video.thumbnail  # the poster
    page = alice_client.get(reverse("generation:gallery")).content.decode()
    assert "<video controls" in page
    assert f'poster="{reverse("generation:asset", args=[video.pk, "thumb"])}"' in page
    assert "Extend" not in page  # a Midjourney video's button, not ImagineLab's


@pytest.mark.parametrize(
    ("generation_type", "model", "options", "seconds"),
    [
        ("voice", "vocalis-1", {"voice": "coral", "speed": "1.25"}, None),
        ("music", "harmonia-1", {"duration": "6", "genre": "jazz"}, 6.0),
    ],
)
def test_voice_and_music_are_wav_audio_with_their_duration(
    alice_client, lab_key, generation_type, model, options, seconds
):
    generation = submitted(
        alice_client,
        generation_type,
        lab_key,
        model,
        f"{generation_type}: hello harbour",
        **options,
    )
    # Choices go back to the provider's own values: 1.25 is a number, not "1.25".
    if generation_type == "voice":
        assert generation.request_body["settings"] == {"voice": "coral", "speed": 1.25}
    else:
        assert generation.request_body["settings"] == {"duration": 6, "genre": "jazz"}
    generation = run_to_final(generation, seconds=30)
    assert generation.status == Status.DONE, generation.error
    (audio,) = generation.assets.filter(role=Asset.Role.AUDIO)
    assert audio.content_type == "audio/wav"
    with wave.open(io.BytesIO(stored(audio))) as reader:
        real = reader.getnframes() / reader.getframerate()
    assert audio.duration == pytest.approx(real, abs=0.01) and real > 0.5
    if seconds:
        assert audio.duration == pytest.approx(seconds, abs=0.5)
    page = alice_client.get(reverse("generation:gallery")).content.decode()
    src = reverse("generation:asset", args=[audio.pk, "file"])
    assert f'<audio controls preload="metadata" src="{src}"' in page
    assert f"{audio.duration:.1f} s" in page
    # The player can seek: the file is served with byte ranges.
    partial = alice_client.get(src, HTTP_RANGE="bytes=0-99")
    assert partial.status_code == 206 and partial["Content-Type"] == "audio/wav"


def test_text_is_stored_and_shown_escaped(alice_client, lab_key):
    prompt = "taglines for <b>Bold</b> & <script>alert(1)</script> bakery"
    generation = submitted(alice_client, "text", lab_key, "scribe-1", prompt, max_words="40")
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    assert generation.text_outputs and all(generation.text_outputs)
    assert not generation.assets.exists()
    page = alice_client.get(reverse("generation:detail", args=[generation.pk])).content.decode()
    assert 'class="text-output"' in page
    assert "<script>alert(1)</script>" not in page
    assert "Generate</button>" not in page.split('class="texts"')[1][:2000]  # not a describe


def test_the_cost_the_provider_reserves_is_what_the_ledger_books(alice, lab_key):
    generation = services.lab_create(
        alice, lab_key, "image", "seedream-5.0-lite", "a lighthouse", {}, cost=12
    )
    assert generation.cost == 12
    generation = run_to_final(generation)
    assert generation.status == Status.DONE
    assert generation.cost == 5  # seedream's credit_cost at the sandbox
    entries = LedgerEntry.objects.filter(generation=generation)
    assert sum(entry.credits for entry in entries) == 5
    assert entries.filter(kind="correction").count() == 1


def test_each_card_names_its_provider(alice_client, lab_key, alice_key):
    from studio.generation import services as generation_services

    generation_services.flux_create(
        user=lab_key.user,
        provider_key=alice_key,
        prompt="a flux fox",
        n=1,
        output_format="png",
        params={},
    )
    submitted(alice_client, "image", lab_key, "seedream-5.0-lite", "a lab fox")
    page = alice_client.get(reverse("generation:gallery")).content.decode()
    assert page.count('class="badge provider lab"') == 1
    assert page.count('class="badge provider pro"') == 1


def test_cards_are_titled_by_type_and_model_and_a_signed_in_key_by_its_email(
    alice_client, lab_key, lab_token_key, lab_account
):
    image = submitted(alice_client, "image", lab_key, "seedream-5.0-lite", "a titled fox")
    music = submitted(
        alice_client, "music", lab_key, "harmonia-1", "a titled tune", duration="6", genre="jazz"
    )
    detail = alice_client.get(image.get_absolute_url()).content.decode()
    assert "<title>Image · seedream-5.0-lite" in detail
    assert Generation.objects.get(pk=music.pk).title == "Music · harmonia-1"

    form = alice_client.get(reverse("imaginelab:new", args=["image"])).content.decode()
    assert f"My ImagineLab ({lab_account.email})" in form  # not the token's last letters
    assert f"…{lab_token_key.last4}" not in form

    # The header's wallet opens "Wallet and packages" on the key it shows.
    header = alice_client.get(reverse("generation:credits"), headers={"HX-Request": "1"})
    assert f"{reverse('imaginelab:credits')}?key={lab_key.pk}" in header.content.decode()
