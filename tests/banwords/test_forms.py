"""Our list at every door: a banned prompt is refused on the form with the words marked,
everything typed kept, and nothing stored, uploaded, queued, sent or spent. Where a provider
is involved, the sandbox runs over real HTTP (SandboxJob rows are what it received)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from studio.generation.models import Action, Generation, Model, Status
from studio.sandbox.imaginepro.services import sandbox_account_credits
from studio.sandbox.models import SandboxJob
from studio.uploads.models import Upload
from tests.factories import GenerationFactory
from tests.support import run_to_final

HTMX = {"HX-Request": "true"}
SENTENCE = "“gore” is not allowed in this studio. Remove it and submit again."


def png(color="red", size=(64, 48), name="image.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


@pytest.mark.django_db(transaction=True)
class TestMidjourneyForm:
    def test_refused_with_the_words_marked_before_the_providers_check(
        self, alice_client, alice_key, sandbox_url, settings, ban
    ):
        settings.SANDBOX_BANNED_WORDS = ["gore"]  # the provider would refuse it too
        ban("gore")
        credits = sandbox_account_credits(api_key=alice_key.api_key)

        response = alice_client.post(
            "/new/midjourney/",
            {"prompt": "a GORE scene --ar 16:9", "speed": "fast", "stylize": "250",
             "key": alice_key.pk},
        )  # fmt: skip

        html = response.content.decode()
        assert response.status_code == 400
        assert SENTENCE in html
        assert "a <mark>GORE</mark> scene --ar 16:9" in html
        assert "Midjourney would refuse" not in html  # ours came first: no provider call
        assert ">\na GORE scene --ar 16:9</textarea>" in html  # the text as typed
        assert 'name="stylize" value="250"' in html
        assert not Generation.objects.exists()
        assert not SandboxJob.objects.exists()
        assert sandbox_account_credits(api_key=alice_key.api_key) == credits

    def test_accepted_once_the_list_changes(self, alice, alice_client, alice_key, sandbox_url, ban):
        ban("gore")
        data = {"prompt": "a gore scene", "speed": "fast", "key": alice_key.pk}
        assert alice_client.post("/new/midjourney/", data).status_code == 400
        ban("nsfw")

        response = alice_client.post("/new/midjourney/", data)

        assert response.status_code == 302
        generation = run_to_final(Generation.objects.get(user=alice))
        assert generation.status == Status.DONE, generation.error
        assert SandboxJob.objects.get(pk=generation.message_id).request_body["prompt"] == (
            "a gore scene"
        )

    def test_the_avoid_list_is_checked_and_opened(self, alice_client, alice_key, ban):
        ban("gore")
        response = alice_client.post(
            "/new/midjourney/",
            {"prompt": "a quiet lake", "avoid": "people, gore", "speed": "fast",
             "key": alice_key.pk},
        )  # fmt: skip
        html = response.content.decode()
        assert "Avoid as typed, not allowed words marked:" in html
        assert "people, <mark>gore</mark>" in html
        assert "<details open>" in html
        assert not Generation.objects.exists()

    def test_flags_other_than_no_are_not_words(self, alice, alice_client, alice_key, ban):
        ban("raw")
        response = alice_client.post(
            "/new/midjourney/",
            {"prompt": "a quiet lake --style raw", "speed": "fast", "key": alice_key.pk},
        )
        assert response.status_code == 302
        assert Generation.objects.filter(user=alice).count() == 1

    def test_the_preview_marks_the_words_while_typing(self, alice_client, alice_key, ban):
        ban("gore", "blood bath")
        response = alice_client.post(
            "/new/midjourney/preview/",
            {"prompt": "Blood-bath and gore", "speed": "fast", "key": alice_key.pk},
            headers=HTMX,
        )
        html = response.content.decode()
        assert "<mark>Blood-bath</mark> and <mark>gore</mark>" in html
        assert "“blood bath” and “gore” are not allowed in this studio." in html


@pytest.mark.django_db
class TestOtherForms:
    def test_flux(self, alice_client, alice_key, ban):
        ban("gore")
        response = alice_client.post(
            "/new/flux/",
            {"prompt": "ＧＯＲＥ", "n": "2", "aspect_ratio": "1:1", "output_format": "png",
             "key": alice_key.pk},
        )  # fmt: skip
        html = response.content.decode()
        assert SENTENCE in html and "<mark>ＧＯＲＥ</mark>" in html
        assert not Generation.objects.exists()

    def test_nano_banana(self, alice_client, alice_key, ban):
        ban("gore")
        response = alice_client.post(
            "/new/nano-banana/",
            {"prompt": "put the hat on, gore style", "model": "nano-banana-2",
             "reference_images_urls": "https://example.com/a.png", "key": alice_key.pk},
        )  # fmt: skip
        html = response.content.decode()
        assert SENTENCE in html and "put the hat on, <mark>gore</mark> style" in html
        assert not Generation.objects.exists()

    def test_a_word_inside_another_is_not_refused(self, alice_client, alice_key, ban):
        ban("ass")
        response = alice_client.post(
            "/new/flux/",
            {"prompt": "a class of glass", "n": "1", "aspect_ratio": "1:1",
             "output_format": "png", "key": alice_key.pk},
        )  # fmt: skip
        assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_image_to_image_stores_no_upload(alice_client, alice_key, sandbox_url, live_server,
                                         settings, ban):  # fmt: skip
    settings.PUBLIC_BASE_URL = live_server.url
    ban("gore")
    response = alice_client.post(
        reverse("generation:tool", args=["image-to-image"]),
        {"image_files": [png()], "prompt": "gore in winter", "speed": "fast", "key": alice_key.pk},
    )
    html = response.content.decode()
    assert SENTENCE in html and "<mark>gore</mark> in winter" in html
    assert not Upload.objects.exists()
    assert not Generation.objects.exists()
    assert not SandboxJob.objects.exists()


@pytest.mark.django_db
class TestPresses:
    def test_a_banned_remix_prompt_is_refused_in_the_gallery(self, alice, alice_client,
                                                              alice_key, ban):  # fmt: skip
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["V1"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )
        ban("gore")

        response = alice_client.post(
            f"/g/{parent.pk}/press/", {"button": "V1", "prompt": "a red gore kite"}, headers=HTMX
        )

        html = response.content.decode()
        assert SENTENCE in html and "a red <mark>gore</mark> kite" in html
        assert Generation.objects.count() == 1

    def test_a_plain_post_reopens_the_remix_box_with_the_words_marked(
        self, alice, alice_client, alice_key, ban
    ):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["V1"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )
        ban("gore")

        response = alice_client.post(
            f"/g/{parent.pk}/press/", {"button": "V1", "prompt": "a red gore kite"}, follow=True
        )

        html = response.content.decode()
        assert response.redirect_chain[0][0].startswith(f"/g/{parent.pk}/?remix=V1&prompt=")
        assert '<textarea name="prompt" rows="4">a red gore kite</textarea>' in html
        assert "a red <mark>gore</mark> kite" in html
        assert SENTENCE in html
        assert Generation.objects.count() == 1

    def test_an_unedited_prompt_is_not_sent_so_not_refused(self, alice, alice_client,
                                                            alice_key, ban):  # fmt: skip
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["V1"],
            prompt="a gore kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )
        ban("gore")  # banned after the image was made

        response = alice_client.post(
            f"/g/{parent.pk}/press/", {"button": "V1", "prompt": "a gore kite"}
        )

        assert response.status_code == 302
        assert Generation.objects.filter(parent=parent).count() == 1

    def test_a_banned_region_prompt_keeps_the_editor(self, alice, alice_client, alice_key, ban):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Vary (Region)"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )
        ban("gore")

        response = alice_client.post(
            f"/g/{parent.pk}/vary-region/",
            {"mask": "data:image/png;base64,AAAA", "prompt": "gore on the wing"},
        )

        html = response.content.decode()
        assert SENTENCE in html and "<mark>gore</mark> on the wing" in html
        assert ">gore on the wing</textarea>" in html
        assert 'value="data:image/png;base64,AAAA"' in html
        assert Generation.objects.count() == 1

    def test_a_banned_described_prompt_is_not_generated(self, alice, alice_client,
                                                         alice_key, ban):  # fmt: skip
        described = Generation.objects.create(
            user=alice,
            provider_key=alice_key,
            model=Model.MIDJOURNEY,
            action=Action.DESCRIBE,
            status=Status.DONE,
            text_outputs=["a castle, gore, dusk --ar 3:2"],
        )
        ban("gore")

        response = alice_client.post(f"/g/{described.pk}/describe/", {"index": "0"}, follow=True)

        assert SENTENCE in response.content.decode()
        assert Generation.objects.count() == 1


@pytest.mark.django_db
def test_the_flags_field_no_list_is_checked(alice_client, alice_key, ban):
    ban("gore")
    response = alice_client.post(
        "/new/midjourney/",
        {"prompt": "a quiet lake", "flags": "--tile --no gore", "speed": "fast",
         "key": alice_key.pk},
    )  # fmt: skip
    assert "--tile --no <mark>gore</mark>" in response.content.decode()
    assert not Generation.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_banned_prompt_whoever_calls_it(alice, alice_key, ban):
    from studio.generation import services as generation_services

    ban("gore")
    with pytest.raises(generation_services.GenerationError, match="“gore” is not allowed"):
        generation_services.midjourney_create(
            user=alice, provider_key=alice_key, prompt="a gore scene", params={}
        )
    assert not Generation.objects.exists()
