"""Nano Banana, Lumi Girl, Midjourney video and the image tools, end to end: the form as a
person posts it, the sandbox over real HTTP (it fetches our signed image URLs), the worker,
and the stored results."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from studio.accounts.models import ProviderKey
from studio.generation import services
from studio.generation.models import Action, Asset, Generation, Model, Status
from studio.sandbox.imaginepro.services import sandbox_account_credits
from studio.sandbox.models import SandboxJob
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def public(sandbox_url, live_server, settings):
    """Signed image URLs point at the live server, where the sandbox fetches them."""
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


def png(color, size=(64, 48), name="image.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def only_generation(user) -> Generation:
    [generation] = Generation.objects.filter(user=user)
    return generation


def job_of(generation) -> SandboxJob:
    return SandboxJob.objects.get(pk=generation.message_id)


@pytest.fixture
def picture(alice, alice_key, public):
    """A finished Flux image in alice's gallery, to pick as an input."""
    generation = services.flux_create(
        user=alice,
        provider_key=alice_key,
        prompt="a red apple on a table",
        n=1,
        output_format="png",
        width=512,
        height=384,
        params={},
    )
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    return generation


class TestNanoBanana:
    def test_several_uploads_reach_the_provider_as_fetchable_urls(
        self, alice, alice_client, alice_key, public
    ):
        files = [png("red", name="a.png"), png("green", name="b.png"), png("blue", name="c.png")]
        response = alice_client.post(
            reverse("generation:nano_banana_new"),
            {
                "prompt": "a still life of these colours",
                "reference_images_files": files,
                "reference_images_urls": "",
                "model": "nano-banana-2",
                "key": alice_key.pk,
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        generation = run_to_final(only_generation(alice))
        assert generation.status == Status.DONE, generation.error
        contents = generation.request_body["contents"]
        assert contents[0] == {
            "type": "text",
            "text": "Image creation: a still life of these colours",
        }
        urls = [item["url"] for item in contents[1:]]
        assert len(urls) == 3 and all(url.startswith(f"{public}/r/") for url in urls)
        assert job_of(generation).request_body["model"] == "nano-banana-2"
        [image] = generation.images
        assert image.width > 0 and generation.cost == 6

    def test_a_gallery_pick_and_a_link_are_both_references(
        self, alice, alice_client, alice_key, picture
    ):
        [apple] = picture.images
        link = picture.images[0]  # a link to a sandbox CDN file works as a typed URL
        cdn = picture.raw_message["images"][0]
        response = alice_client.post(
            reverse("generation:nano_banana_new"),
            {
                "prompt": "the apple, twice",
                "reference_images_assets": [str(apple.pk)],
                "reference_images_urls": cdn,
                "model": "nano-banana",
                "key": alice_key.pk,
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        generation = run_to_final(Generation.objects.get(model=Model.NANO_BANANA))
        assert generation.status == Status.DONE, generation.error
        urls = [item["url"] for item in generation.request_body["contents"][1:]]
        assert urls[1] == cdn and "/r/a/" in urls[0] and str(link.pk) in urls[0]
        assert generation.parent == picture  # the picked image's generation

    def test_nine_references_are_refused_and_nothing_is_created(
        self, alice, alice_client, alice_key, public
    ):
        response = alice_client.post(
            reverse("generation:nano_banana_new"),
            {
                "prompt": "too many",
                "reference_images_files": [png("red", name=f"{i}.png") for i in range(9)],
                "model": "nano-banana-2",
                "key": alice_key.pk,
            },
        )
        assert response.status_code == 400
        assert "At most 8 images (you gave 9)" in response.content.decode()
        assert not Generation.objects.exists()

    def test_a_real_key_without_a_public_address_is_told_before_submitting(
        self, alice, alice_client, settings
    ):
        settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
        key = ProviderKey(user=alice, name="real", is_sandbox=False)
        key.set_api_key("sk-real-0000")
        key.save()
        page = alice_client.get(reverse("generation:nano_banana_new")).content.decode()
        assert "ImaginePro cannot fetch images from this studio" in page
        response = alice_client.post(
            reverse("generation:nano_banana_new"),
            {
                "prompt": "x",
                "reference_images_files": [png("red")],
                "model": "nano-banana-2",
                "key": key.pk,
            },
        )
        assert "PUBLIC_BASE_URL" in response.content.decode()
        assert not Generation.objects.exists()

    def test_an_unreachable_link_fails_the_job_with_the_reason(
        self, alice, alice_client, alice_key, public
    ):
        alice_client.post(
            reverse("generation:nano_banana_new"),
            {
                "prompt": "x",
                "reference_images_urls": f"{public}/nowhere/missing.png",
                "model": "nano-banana-2",
                "key": alice_key.pk,
            },
        )
        generation = run_to_final(only_generation(alice))
        assert generation.status == Status.FAILED
        assert "missing.png" in generation.error


class TestLumiGirl:
    def test_aspect_ratio_becomes_width_and_height(self, alice, alice_client, alice_key, public):
        response = alice_client.post(
            reverse("generation:lumi_girl_new"),
            {"prompt": "a girl with silver hair", "aspect_ratio": "16:9", "key": alice_key.pk},
        )
        assert response.status_code == 302, response.context["form"].errors
        generation = run_to_final(only_generation(alice))
        assert generation.status == Status.DONE, generation.error
        assert generation.request_body == {
            "prompt": "a girl with silver hair",
            "steps": 4,
            "width": 1024,
            "height": 576,
        }
        [image] = generation.images
        assert (image.width, image.height) == (1024, 576)

    @pytest.mark.parametrize(
        ("width", "height", "message"),
        [
            (1001, 1024, "Must be a multiple of 8 (try 1000 or 1008)"),
            (1032, 1024, "less than or equal to 1024"),
            (512, "", "Give both width and height"),
        ],
    )
    def test_bad_sizes_are_explained(self, alice_client, alice_key, width, height, message):
        response = alice_client.post(
            reverse("generation:lumi_girl_new"),
            {"prompt": "x", "width": width, "height": height, "key": alice_key.pk},
        )
        assert response.status_code == 400
        assert message.split(" (")[0] in response.content.decode()
        assert not Generation.objects.exists()


class TestVideo:
    def test_animate_from_the_gallery_then_extend(
        self, alice, alice_client, alice_key, picture, public
    ):
        [apple] = picture.images
        # "Animate" opens the form with the start frame already picked.
        page = alice_client.get(
            reverse("generation:video_new") + f"?start_frame={apple.pk}"
        ).content.decode()
        assert str(apple.pk) in page
        response = alice_client.post(
            reverse("generation:video_new"),
            {
                "prompt": "",
                "start_frame_assets": [str(apple.pk)],
                "end_frame_files": [png("blue", size=(512, 384))],
                "timeout": "600",
                "key": alice_key.pk,
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        video = run_to_final(Generation.objects.get(model=Model.VIDEO), seconds=30)
        assert video.status == Status.DONE, video.error
        assert video.prompt == "smooth motion transition" and video.timeout == 600
        assert video.parent == picture and video.cost == 10
        [clip] = video.videos
        assert clip.content_type == "video/mp4" and clip.duration > 0.5
        assert clip.file.open("rb").read(12)[4:8] == b"ftyp"
        poster = Image.open(clip.thumbnail.open("rb"))
        assert poster.format == "WEBP"
        page = alice_client.get(video.get_absolute_url()).content.decode()
        assert re.search(r"<video[^>]+controls[^>]+poster=", page)

        # The player can seek: byte ranges are served.
        url = reverse("generation:asset", args=[clip.pk, "file"])
        whole = alice_client.get(url)
        assert whole["Accept-Ranges"] == "bytes"
        part = alice_client.get(url, HTTP_RANGE="bytes=100-199")
        part_bytes = b"".join(part.streaming_content)
        assert part.status_code == 206 and len(part_bytes) == 100
        assert part["Content-Range"] == f"bytes 100-199/{clip.bytes}"
        assert part_bytes == b"".join(whole.streaming_content)[100:200]
        tail = alice_client.get(url, HTTP_RANGE="bytes=-10")
        assert tail.status_code == 206 and len(b"".join(tail.streaming_content)) == 10
        past = alice_client.get(url, HTTP_RANGE=f"bytes={clip.bytes + 5}-")
        assert past.status_code == 416

        response = alice_client.post(
            reverse("generation:video_extend", args=[video.pk]), {"index": "1"}
        )
        extension = Generation.objects.get(action=Action.EXTEND)
        assert response.status_code == 302
        assert extension.request_body == {"messageId": video.message_id, "index": 0}
        extension = run_to_final(extension, seconds=30)
        assert extension.status == Status.DONE, extension.error
        assert len(extension.videos) == 1 and extension.parent == video

    def test_both_frames_are_required(self, alice_client, alice_key, public):
        response = alice_client.post(
            reverse("generation:video_new"),
            {"start_frame_files": [png("red")], "timeout": "900", "key": alice_key.pk},
        )
        assert "Add at least 1 image." in response.content.decode()
        assert not Generation.objects.exists()


class TestTools:
    def post_tool(self, client, tool, data):
        response = client.post(reverse("generation:tool", args=[tool]), data)
        assert response.status_code == 302, response.context["form"].errors
        return run_to_final(Generation.objects.order_by("-created_at").first())

    def test_upscale_a_gallery_image_three_times(self, alice, alice_client, alice_key, picture):
        [apple] = picture.images
        result = self.post_tool(
            alice_client,
            "upscale",
            {"image_assets": [str(apple.pk)], "scale": "3", "key": alice_key.pk},
        )
        assert result.status == Status.DONE, result.error
        assert result.title == "Upscale ×3" and result.parent == picture and result.cost == 2
        [big] = result.images
        assert (big.width, big.height) == (apple.width * 3, apple.height * 3)

    def test_remove_background_gives_transparency(self, alice, alice_client, alice_key, picture):
        [apple] = picture.images
        result = self.post_tool(
            alice_client,
            "remove-background",
            {"image_assets": [str(apple.pk)], "key": alice_key.pk},
        )
        assert result.status == Status.DONE, result.error
        [cutout] = result.images
        image = Image.open(cutout.file.open("rb"))
        assert image.format == "PNG" and image.mode == "RGBA"
        alpha = image.getchannel("A")
        assert alpha.getextrema() == (0, 255)  # a cut-out: see-through and solid parts
        page = alice_client.get(reverse("generation:gallery")).content.decode()
        assert "checkerboard" in page and "Download PNG" in page

    def test_describe_lists_prompts_each_one_click_from_midjourney(
        self, alice, alice_client, alice_key, picture
    ):
        [apple] = picture.images
        result = self.post_tool(
            alice_client, "describe", {"image_assets": [str(apple.pk)], "key": alice_key.pk}
        )
        assert result.status == Status.DONE, result.error
        assert len(result.text_outputs) == 4 and all(result.text_outputs)
        page = alice_client.get(result.get_absolute_url()).content.decode()
        assert result.text_outputs[2] in page
        # "Edit first" opens the Midjourney form with that prompt in it.
        edit = alice_client.get(reverse("generation:midjourney_new"), {"prompt": "a blue pear"})
        assert "a blue pear</textarea>" in edit.content.decode()
        alice_client.post(reverse("generation:describe_generate", args=[result.pk]), {"index": 2})
        child = Generation.objects.get(model=Model.MIDJOURNEY, action=Action.IMAGINE)
        assert child.prompt == result.text_outputs[2]

    def test_face_swap_takes_a_face_and_a_picture(self, alice, alice_client, alice_key, public):
        result = self.post_tool(
            alice_client,
            "face-swap",
            {
                "source_files": [png("yellow", size=(200, 200))],
                "target_files": [png("purple", size=(300, 200))],
                "key": alice_key.pk,
            },
        )
        assert result.status == Status.DONE, result.error
        body = result.request_body
        assert set(body) == {"source", "target"} and body["source"] != body["target"]
        assert len(result.images) == 1

    def test_blend_makes_a_grid_with_buttons(self, alice, alice_client, alice_key, public):
        result = self.post_tool(
            alice_client,
            "blend",
            {"images_files": [png("red"), png("blue"), png("green")], "key": alice_key.pk},
        )
        assert result.status == Status.DONE, result.error
        assert len(result.request_body["urls"]) == 3
        assert len(result.images) == 4 and "U1" in result.buttons

    def test_blend_needs_two_images(self, alice_client, alice_key, public):
        response = alice_client.post(
            reverse("generation:tool", args=["blend"]),
            {"images_files": [png("red")], "key": alice_key.pk},
        )
        assert "Add at least 2 images." in response.content.decode()

    def test_image_to_image_puts_the_link_first(self, alice, alice_client, alice_key, picture):
        [apple] = picture.images
        result = self.post_tool(
            alice_client,
            "image-to-image",
            {
                "image_assets": [str(apple.pk)],
                "prompt": "the same apple in winter",
                "speed": "relax",
                "key": alice_key.pk,
            },
        )
        assert result.status == Status.DONE, result.error
        url, rest = result.request_body["prompt"].split(" ", 1)
        assert "/r/a/" in url and rest == "the same apple in winter --relax"
        # People read the typed text, never the signed link: card, search, lightbox, ZIP.
        assert result.prompt == "the same apple in winter --relax"
        found = alice_client.get("/?q=winter").content.decode()
        assert f'id="card-{result.pk}"' in found and "the same apple in winter" in found
        image = result.images[0]
        panel = alice_client.get(
            reverse("generation:lightbox", args=[result.pk]) + f"?asset={image.pk}"
        ).content.decode()
        assert "the same apple in winter --relax</pre>" in panel
        for html in (found, panel):
            assert "/r/a/" not in html
        archive = alice_client.post("/library/zip/", {"ids": [result.pk]})
        names = zipfile.ZipFile(io.BytesIO(archive.getvalue())).namelist()
        assert names[0].endswith("-the-same-apple-in-winter-relax-1.png"), names
        assert result.cost == 5
        assert result.parent == picture
        assert result.form_url == reverse("generation:tool", args=["image-to-image"])

    def test_image_to_image_text_is_checked_by_the_task(
        self, alice, alice_client, alice_key, picture, settings
    ):
        settings.SANDBOX_BANNED_WORDS = ["gore"]
        [apple] = picture.images
        response = alice_client.post(
            reverse("generation:tool", args=["image-to-image"]),
            {
                "image_assets": [str(apple.pk)],
                "prompt": "gore everywhere",
                "speed": "fast",
                "key": alice_key.pk,
            },
        )
        assert response.status_code == 302  # the request asks the provider nothing
        result = Generation.objects.exclude(pk=picture.pk).get()
        result = run_to_final(result)
        assert result.status == Status.FAILED
        assert result.error == 'Midjourney would refuse this prompt: Banned prompt detected: "gore"'
        assert result.message_id == ""  # nothing was sent

    def test_someone_elses_image_cannot_be_used(self, charlie, client, picture):
        from studio.accounts.services import sandbox_key_create

        charlie_key = sandbox_key_create(user=charlie)
        client.force_login(charlie)
        [apple] = picture.images
        before = sandbox_account_credits(api_key=charlie_key.api_key)
        response = client.post(
            reverse("generation:tool", args=["upscale"]),
            {"image_assets": [str(apple.pk)], "scale": "2", "key": charlie_key.pk},
        )
        assert response.status_code == 400
        assert not Generation.objects.filter(user=charlie).exists()
        assert sandbox_account_credits(api_key=charlie_key.api_key) == before

    def test_tools_page_carries_the_chosen_image(self, alice_client, picture):
        [apple] = picture.images
        page = alice_client.get(reverse("generation:tools") + f"?image={apple.pk}")
        html = page.content.decode()
        assert f"?image={apple.pk}" in html and f"?start_frame={apple.pk}" in html
        assert "2 credits" in html and "5 credits" in html  # upscale, remove background
        # Describe, face swap: plain words, the reason on hover.
        assert ">about 5 credits</span>" in html and "we count" not in html
        assert Asset.objects.filter(pk=apple.pk).exists()


def test_a_hand_edited_key_is_a_form_error_not_a_crash(alice_client, alice_key):
    response = alice_client.post(
        reverse("generation:tool", args=["remove-background"]),
        {"image_urls": "https://example.com/a.png", "key": "not-a-key"},
    )
    assert response.status_code == 400, response
    assert "is not a valid UUID" in response.content.decode()
    assert not Generation.objects.exists()
