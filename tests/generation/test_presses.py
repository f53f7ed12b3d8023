"""Midjourney buttons as a person presses them: labels and prices, remix prompts, the
Vary (Region) mask, emoji values and boost, checked at the sandbox over real HTTP (what it
received is in SandboxJob.request_body / .endpoint)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.test import Client
from PIL import Image, ImageDraw

from studio.generation import assets, costs, poller, presses
from studio.generation.models import Generation, Status
from studio.generation.services import GenerationError
from studio.generation.submit import generation_submit
from studio.sandbox.models import SandboxJob
from tests.factories import GenerationFactory, MidjourneyJobFactory
from tests.support import run_to_final

HTMX = {"HX-Request": "true"}
REROLL, LEFT, RIGHT, UP, DOWN = (
    "\U0001f504",
    "\u2b05\ufe0f",
    "\u27a1\ufe0f",
    "\u2b06\ufe0f",
    "\u2b07\ufe0f",
)


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def grid(user, key, prompt="a lighthouse at dusk --ar 3:2") -> Generation:
    generation = run_to_final(MidjourneyJobFactory(user=user, provider_key=key, prompt=prompt))
    assert generation.status == Status.DONE, generation.error
    return generation


@pytest.fixture
def upscaled(alice, alice_key, sandbox_url) -> Generation:
    """U1 of a 3:2 grid, finished by the sandbox: one image with the upscaled-stage buttons."""
    child = run_to_final(
        presses.button_press(user=alice, parent=grid(alice, alice_key), button="U1")
    )
    assert child.status == Status.DONE, child.error
    assert presses.VARY_REGION in child.buttons
    return child


def mask_url(size, box=None, *, fill=0, mode="L") -> str:
    """A PNG data: URL of `size`, `fill` everywhere and white in the ellipse `box`."""
    image = Image.new(mode, size, fill)
    if box:
        ImageDraw.Draw(image).ellipse(box, fill=255 if mode == "L" else (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def sandbox_job(generation: Generation) -> SandboxJob:
    return SandboxJob.objects.get(pk=generation.message_id)


def decode(mask: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(mask)))


# --- labels and prices -------------------------------------------------------------------------


@pytest.mark.django_db
class TestLabelsAndPrices:
    BUTTONS = ["U1", "V2", REROLL, "Zoom Out 2x", LEFT, "Upscale (4x)", "Mystery (New)"]

    def test_friendly_labels_keep_the_value_and_show_the_price(
        self, alice_client, alice, alice_key
    ):
        generation = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=self.BUTTONS,
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        # Every button is on the generation's page (the gallery's wall shows a single image's
        # U / V over it, and the lightbox the rest: tests/gallery/test_wall.py).
        html = alice_client.get(f"/g/{generation.pk}/").content.decode()

        assert re.findall(r'name="button" value="([^"]+)"', html) == self.BUTTONS
        buttons = dict(
            re.findall(
                r'<button type="submit" class="outline small" title="([^"]+)">(.*?)</button>', html
            )
        )
        assert buttons["U1 · 5 credits"] == 'Upscale 1 <small class="cost">· 5</small>'
        assert buttons["V2 · 5 credits"] == 'Vary 2 <small class="cost">· 5</small>'
        unpublished = f" · about 5 credits ({costs.ESTIMATE_NOTE})"
        assert buttons[REROLL + unpublished] == "Reroll"
        assert buttons[LEFT + unpublished] == "Pan left"
        assert buttons["Zoom Out 2x" + unpublished] == "Zoom out 2x"
        assert buttons["Upscale (4x)" + unpublished] == "Upscale (4x)"
        assert buttons["Mystery (New)" + unpublished] == "Mystery (New)"  # unknown: as it is

    def test_vary_region_opens_the_editor_and_cancel_job_is_not_a_press(
        self, alice_client, alice, alice_key
    ):
        generation = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Vary (Region)", "Cancel Job"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        html = alice_client.get(f"/g/{generation.pk}/").content.decode()

        assert f'href="/g/{generation.pk}/vary-region/"' in html
        assert "about 5 credits" in html and "price not published" not in html
        assert "Cancel Job" not in html
        assert 'name="button"' not in html

    def test_remix_box_holds_the_parents_prompt_and_says_when_it_applies(
        self, alice_client, alice, alice_key
    ):
        generation = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["U1", "V1", REROLL],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        html = alice_client.get(f"/g/{generation.pk}/").content.decode()

        boxes = re.findall(r"<div popover[^>]*>(.*?)</div>", html, re.DOTALL)
        assert len(boxes) == 2  # V1 and 🔄, not U1
        for box in boxes:
            assert re.search(r'<textarea name="prompt" rows="4">a red kite</textarea>', box)
            assert "own linked Midjourney account in remix mode" in box


# --- remix ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestRemix:
    def test_an_edited_prompt_reaches_the_provider(
        self, alice_client, alice, alice_key, sandbox_url
    ):
        parent = grid(alice, alice_key, "a quiet harbour")

        response = alice_client.post(
            f"/g/{parent.pk}/press/",
            {"button": "V2", "prompt": "a quiet harbour at night, lanterns"},
            headers=HTMX,
        )

        assert response.status_code == 200
        child = run_to_final(Generation.objects.get(parent=parent))
        assert child.status == Status.DONE, child.error
        assert child.request_body == {
            "messageId": parent.message_id,
            "button": "V2",
            "prompt": "a quiet harbour at night, lanterns",
        }
        assert child.prompt == "a quiet harbour at night, lanterns"
        assert sandbox_job(child).request_body["prompt"] == "a quiet harbour at night, lanterns"
        assert sandbox_job(child).prompt == "a quiet harbour at night, lanterns"

    def test_the_unedited_prompt_is_not_sent(self, alice_client, alice, alice_key, sandbox_url):
        parent = grid(alice, alice_key, "a quiet harbour")

        alice_client.post(
            f"/g/{parent.pk}/press/",
            {"button": REROLL, "prompt": " a quiet  harbour\n"},
            headers=HTMX,
        )

        child = run_to_final(Generation.objects.get(parent=parent))
        assert child.status == Status.DONE, child.error
        assert child.request_body == {"messageId": parent.message_id, "button": REROLL}
        assert "prompt" not in sandbox_job(child).request_body


@pytest.mark.django_db
class TestRemixRefused:
    def test_gallery_press_error_leaves_the_form_alone(self, alice_client, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["V1"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        response = alice_client.post(
            f"/g/{parent.pk}/press/", {"button": "V1", "prompt": "a kite --chaos 500"}, headers=HTMX
        )

        html = response.content.decode()
        assert 'role="alert"' in html and "The prompt has problems" in html
        assert "--chaos" in html
        assert Generation.objects.count() == 1

    def test_plain_press_error_reopens_the_remix_box_with_the_text_as_typed(
        self, alice_client, alice, alice_key
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

        response = alice_client.post(
            f"/g/{parent.pk}/press/", {"button": "V1", "prompt": "a kite --chaos 500"}, follow=True
        )

        html = response.content.decode()
        assert response.redirect_chain[0][0].startswith(f"/g/{parent.pk}/?remix=V1&prompt=")
        assert "The prompt has problems" in html
        assert '<textarea name="prompt" rows="4">a kite --chaos 500</textarea>' in html
        assert f'id="remix-{parent.pk}-V1" class="remix" data-open-on-load' in html
        assert Generation.objects.count() == 1

    def test_a_prompt_is_refused_on_buttons_that_take_none(self, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["U1"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        with pytest.raises(GenerationError, match="does not take a prompt"):
            presses.button_press(user=alice, parent=parent, button="U1", prompt="a dog")

    def test_cancel_job_is_not_a_press(self, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Cancel Job"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        with pytest.raises(GenerationError, match="Cancel on its card"):
            presses.button_press(user=alice, parent=parent, button="Cancel Job")


# --- Vary (Region) -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_vary_region_with_a_drawn_mask_makes_a_finished_child(alice_client, upscaled):
    [image] = upscaled.images
    size = (image.width, image.height)
    page = alice_client.get(f"/g/{upscaled.pk}/vary-region/").content.decode()
    assert f'data-width="{image.width}" data-height="{image.height}"' in page
    assert f'<canvas width="{image.width}" height="{image.height}"' in page
    assert "js/mask-editor.js" in page and "css/mask-editor.css" in page

    # Drawn on the scaled screen: half size, same aspect; the studio sends the real size.
    half = (size[0] // 2, size[1] // 2)
    response = alice_client.post(
        f"/g/{upscaled.pk}/vary-region/",
        {"mask": mask_url(half, (10, 10, half[0] // 2, half[1] // 2)), "prompt": "a red balloon"},
    )

    child = Generation.objects.get(parent=upscaled)
    assert response.status_code == 302 and response["Location"] == f"/g/{child.pk}/"
    assert child.button == "Vary (Region)" and child.prompt == "a red balloon"
    child = run_to_final(child)
    assert child.status == Status.DONE, child.error
    assert len(child.images) == 4
    received = sandbox_job(child).request_body
    assert received["button"] == "Vary (Region)" and received["prompt"] == "a red balloon"
    mask = decode(received["mask"])
    assert mask.size == size and mask.mode == "L"
    levels = {level: count for count, level in mask.getcolors()}
    assert set(levels) == {0, 255}
    assert 0 < levels[255] < levels[0]


@pytest.mark.django_db
class TestMaskRefused:
    @pytest.mark.parametrize(
        ("mask", "message"),
        [
            ("", "Paint the region to redraw first."),
            ("data:image/png;base64,aGVsbG8gd29ybGQ=", "The mask is not an image."),
            ("not base64 at all!", "The mask is not an image."),
            (mask_url((96, 64)), "The mask is empty"),
            (mask_url((96, 64), fill=255), "The mask covers the whole image"),
            (mask_url((64, 64), (5, 5, 30, 30)), "The mask is 64×64 px but the image is 96×64 px"),
        ],
        ids=["missing", "not-an-image", "not-base64", "all-black", "all-white", "wrong-aspect"],
    )
    def test_is_refused_with_a_reason_and_creates_nothing(
        self, alice_client, alice, alice_key, mask, message
    ):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Vary (Region)"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        response = alice_client.post(
            f"/g/{parent.pk}/vary-region/", {"mask": mask, "prompt": "a red balloon"}
        )

        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert 'id="mask-error"' in html
        assert ">a red balloon</textarea>" in html  # the region prompt is kept
        assert Generation.objects.count() == 1

    def test_the_refused_drawing_comes_back_to_the_editor(self, alice_client, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Vary (Region)"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )
        drawing = mask_url((96, 64), fill=255)

        html = alice_client.post(f"/g/{parent.pk}/vary-region/", {"mask": drawing}).content.decode()

        assert f'name="mask" value="{drawing}"' in html

    def test_transparency_counts_as_black_and_grey_is_thresholded(self):
        image = Image.new("RGBA", (40, 20), (255, 255, 255, 0))  # white but transparent
        ImageDraw.Draw(image).rectangle((0, 0, 9, 19), fill=(255, 255, 255, 255))
        ImageDraw.Draw(image).rectangle((10, 0, 14, 19), fill=(90, 90, 90, 255))
        out = io.BytesIO()
        image.save(out, "PNG")

        cleaned = presses.mask_clean(base64.b64encode(out.getvalue()).decode(), image_size=(80, 40))

        mask = decode(cleaned)
        assert mask.mode == "L" and mask.size == (80, 40)
        assert mask.getpixel((5, 5)) == 255 and mask.getpixel((25, 5)) == 0
        assert mask.getpixel((60, 30)) == 0
        assert {level for _, level in mask.getcolors()} == {0, 255}

    def test_a_plain_press_of_vary_region_opens_the_editor(self, alice_client, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Vary (Region)"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        plain = alice_client.post(f"/g/{parent.pk}/press/", {"button": "Vary (Region)"})
        htmx = alice_client.post(
            f"/g/{parent.pk}/press/", {"button": "Vary (Region)"}, headers=HTMX
        )

        assert plain["Location"] == f"/g/{parent.pk}/vary-region/"
        assert htmx["HX-Redirect"] == f"/g/{parent.pk}/vary-region/"
        assert Generation.objects.count() == 1

    def test_an_image_without_the_button_has_no_editor(self, alice_client, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["U1"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        response = alice_client.get(f"/g/{parent.pk}/vary-region/", follow=True)

        assert response.redirect_chain == [(f"/g/{parent.pk}/", 302)]
        assert "This image has no Vary (Region) button." in response.content.decode()


# --- emoji and boost ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_emoji_buttons_round_trip_verbatim(alice_client, upscaled):
    for arrow in (LEFT, RIGHT, UP, DOWN):
        # The form posts what the page holds: the hidden field's value.
        html = alice_client.get(f"/g/{upscaled.pk}/").content.decode()
        assert f'name="button" value="{arrow}"' in html
        alice_client.post(f"/g/{upscaled.pk}/press/", {"button": arrow})

    children = list(Generation.objects.filter(parent=upscaled).order_by("created_at"))
    for child in children:
        generation_submit(child.pk)
    poller.poll_loop(start_download=assets.generation_download, seconds=20)
    for child in children:
        child.refresh_from_db()
    for arrow, child in zip((LEFT, RIGHT, UP, DOWN), children, strict=True):
        assert child.status == Status.DONE, child.error
        assert child.button == arrow
        job = sandbox_job(child)
        assert job.action == arrow and job.request_body["button"] == arrow
        assert len(child.images) == 4
    wide, tall = children[0].images[0], children[2].images[0]
    assert wide.width / wide.height > tall.width / tall.height  # ⬅️ widens, ⬆️ heightens


@pytest.mark.django_db(transaction=True)
class TestBoost:
    def test_a_boosted_parent_boosts_its_presses_unless_told_otherwise(
        self, alice, alice_key, sandbox_url
    ):
        parent = grid(alice, alice_key, "a red kite")
        Generation.objects.filter(pk=parent.pk).update(params={"boost": True})
        parent.refresh_from_db()

        boosted = run_to_final(presses.button_press(user=alice, parent=parent, button="U2"))
        plain = run_to_final(
            presses.button_press(user=alice, parent=parent, button="U3", boost=False)
        )

        assert boosted.status == plain.status == Status.DONE
        assert boosted.endpoint == "boost_button" and boosted.params == {"boost": True}
        assert sandbox_job(boosted).endpoint == "nova/boost/button"
        assert sandbox_job(boosted).request_body["button"] == "U2"
        assert plain.endpoint == "button" and plain.params == {}
        assert sandbox_job(plain).endpoint == "nova/button"
        # The choice is inherited down the tree.
        grandchild = presses.button_press(user=alice, parent=boosted, button="Vary (Subtle)")
        assert grandchild.endpoint == "boost_button"
        assert presses.button_press(user=alice, parent=plain, button="Vary (Subtle)").endpoint == (
            "button"
        )

    def test_explicit_boost_from_the_form(self, alice_client, alice, alice_key, sandbox_url):
        parent = grid(alice, alice_key, "a red kite")

        alice_client.post(f"/g/{parent.pk}/press/", {"button": "U4", "boost": "1"}, headers=HTMX)

        child = run_to_final(Generation.objects.get(parent=parent))
        assert child.status == Status.DONE, child.error
        assert sandbox_job(child).endpoint == "nova/boost/button"


# --- who may press -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestStrangers:
    def test_press_mask_page_and_mask_post_are_404(self, charlie_client, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["V1", "Vary (Region)"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        assert (
            charlie_client.post(
                f"/g/{parent.pk}/press/", {"button": "V1", "prompt": "x"}, headers=HTMX
            ).status_code
            == 404
        )
        assert charlie_client.get(f"/g/{parent.pk}/vary-region/").status_code == 404
        assert (
            charlie_client.post(
                f"/g/{parent.pk}/vary-region/", {"mask": mask_url((96, 64), (1, 1, 40, 40))}
            ).status_code
            == 404
        )
        assert Generation.objects.count() == 1

    def test_someone_elses_parent_is_refused_by_the_service(self, charlie, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["U1"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        with pytest.raises(GenerationError, match="not yours"):
            presses.button_press(user=charlie, parent=parent, button="U1")

    def test_anonymous_is_sent_to_log_in(self, client, alice, alice_key):
        parent = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            buttons=["Vary (Region)"],
            prompt="a red kite",
            message_id="m-1",
            images=1,
            images__size=(96, 64),
        )

        for response in (
            client.get(f"/g/{parent.pk}/vary-region/"),
            client.post(f"/g/{parent.pk}/vary-region/", {"mask": "x"}),
        ):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
