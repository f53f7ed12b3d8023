"""The studio's pages as a person uses them: forms, the gallery, live cards, detail pages,
button presses and stored files.

Tests that need a finished generation with real files run the real worker against the
sandbox over HTTP (`sandbox_url`, transaction=True); the rest build rows with the ORM.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from studio.generation import services
from studio.generation.models import Action, Asset, Generation, Model, Status
from tests.factories import AssetFactory, GenerationFactory
from tests.support import run_to_final

HTMX = {"HX-Request": "true"}


# --- helpers ---------------------------------------------------------------------------------


def card_ids(html: str) -> list[str]:
    """Ids of the gallery cards in the page, top to bottom."""
    return re.findall(r'<article class="card[^"]*" id="card-([0-9a-f-]{36})"', html)


def card_of(html: str, generation: Generation) -> str:
    """The HTML of one card."""
    at = html.index(f'id="card-{generation.pk}"')
    start = html.rindex("<article", 0, at)
    end = html.index("</article>", at) + len("</article>")
    return html[start:end]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def done_grid(alice, alice_key, sandbox_url) -> Generation:
    """A Midjourney imagine finished by the sandbox: 4 tiles, a grid, U/V buttons."""
    generation = services.midjourney_create(
        user=alice,
        provider_key=alice_key,
        prompt="a lighthouse at dusk",
        params={"prompt": "a lighthouse at dusk", "speed": "fast"},
    )
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    return generation


# --- forms need a key --------------------------------------------------------------------------


@pytest.mark.django_db
class TestNoKey:
    @pytest.mark.parametrize("url", ["/new/midjourney/", "/new/flux/"])
    def test_form_sends_to_the_keys_page_with_next(self, alice_client, url):
        response = alice_client.get(url, follow=True)

        assert response.redirect_chain == [(f"/accounts/keys/?next={url}", 302)]
        html = response.content.decode()
        assert "First add an ImaginePro key, or choose the sandbox." in html
        assert f'name="next" value="{url}"' in html

    def test_choosing_the_sandbox_returns_to_the_form(self, alice_client):
        response = alice_client.post("/accounts/keys/sandbox/", {"next": "/new/flux/"}, follow=True)

        assert response.redirect_chain == [("/new/flux/", 302)]
        assert 'name="prompt"' in response.content.decode()

    def test_gallery_invites_to_set_up_a_key(self, alice_client):
        html = alice_client.get("/").content.decode()

        assert "Set up a key" in html
        assert "Nothing here yet." in html


# --- Midjourney ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestMidjourneyPreview:
    def test_shows_the_composed_prompt_and_its_cost(self, alice_client, alice_key):
        response = alice_client.post(
            "/new/midjourney/preview/",
            {
                "prompt": "a fox --chaos 10",
                "aspect_ratio": "16:9",
                "speed": "relax",
                "chaos": "30",
                "key": alice_key.pk,
            },
            headers=HTMX,
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html  # just the preview section
        assert '<pre id="composed-prompt">a fox --ar 16:9 --chaos 30 --relax</pre>' in html
        assert "5 credits" in html

    def test_fast_costs_ten(self, alice_client, alice_key):
        response = alice_client.post(
            "/new/midjourney/preview/",
            {"prompt": "a fox", "speed": "fast", "key": alice_key.pk},
            headers=HTMX,
        )

        html = response.content.decode()
        assert '<pre id="composed-prompt">a fox</pre>' in html
        assert "10 credits" in html

    def test_bad_flag_shows_the_error_and_no_prompt(self, alice_client, alice_key):
        response = alice_client.post(
            "/new/midjourney/preview/",
            {"prompt": "a fox --bogus 3", "speed": "fast", "key": alice_key.pk},
            headers=HTMX,
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "Unknown flag &quot;--bogus&quot;." in html
        assert 'class="field-error"' in html
        assert "composed-prompt" not in html
        assert "credits" not in html

    def test_bad_flags_field_is_shown_with_its_label(self, alice_client, alice_key):
        response = alice_client.post(
            "/new/midjourney/preview/",
            {"prompt": "a fox", "flags": "tile", "speed": "fast", "key": alice_key.pk},
            headers=HTMX,
        )

        html = response.content.decode()
        assert "Flags: Only flags go here" in html
        assert "composed-prompt" not in html


@pytest.mark.django_db
class TestMidjourneyNew:
    def test_form_preselects_the_newest_key(self, alice_client, alice_key):
        response = alice_client.get("/new/midjourney/")

        assert response.status_code == 200
        assert f'<option value="{alice_key.pk}" selected>' in response.content.decode()

    def test_submit_queues_a_generation_and_shows_it_on_top_of_the_gallery(
        self, alice_client, alice, alice_key, task_queue, django_capture_on_commit_callbacks
    ):
        older = GenerationFactory(
            user=alice, provider_key=alice_key, minutes_ago=5, status=Status.DONE
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(
                "/new/midjourney/",
                {
                    "prompt": "a fox in the snow --chaos 10",
                    "aspect_ratio": "16:9",
                    "speed": "relax",
                    "stylize": "250",
                    "key": alice_key.pk,
                },
            )

        assert response.status_code == 302
        assert response["Location"] == "/"
        generation = Generation.objects.exclude(pk=older.pk).get()
        # The submit task is queued with the row (once it commits, on a Redis broker).
        assert [(t["func"], t["args"]) for t in task_queue.tasks()] == [
            ("studio.generation.tasks.submit", (str(generation.pk),))
        ]
        composed = "a fox in the snow --ar 16:9 --s 250 --chaos 10 --relax"
        assert generation.status == Status.QUEUED
        assert generation.model == Model.MIDJOURNEY
        assert generation.action == Action.IMAGINE
        assert generation.prompt == composed
        assert generation.request_body == {"prompt": composed}
        assert generation.cost == 5
        assert generation.provider_key == alice_key
        assert generation.is_sandbox is True
        assert generation.params == {
            "prompt": "a fox in the snow --chaos 10",
            "aspect_ratio": "16:9",
            "speed": "relax",
            "stylize": 250,
            "style_raw": False,
        }

        gallery = alice_client.get("/")
        html = gallery.content.decode()
        assert "Submitted. It appears at the top of the gallery." in html
        assert card_ids(html) == [str(generation.pk), str(older.pk)]
        card = card_of(html, generation)
        assert "<progress" in card
        assert "data-running" in card

    def test_invalid_submit_shows_the_error_and_creates_nothing(
        self, alice_client, alice_key, task_queue, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = alice_client.post(
                "/new/midjourney/",
                {"prompt": "a fox --ar sixteen", "speed": "fast", "key": alice_key.pk},
            )

        assert response.status_code == 400
        assert "--ar must be two whole numbers like 16:9" in response.content.decode()
        assert not Generation.objects.exists()
        assert callbacks == [] and task_queue.tasks() == []

    def test_retry_of_a_strangers_generation_is_404(self, alice_client, alice_key, charlie):
        theirs = GenerationFactory(user=charlie, status=Status.FAILED, params={"prompt": "x"})

        response = alice_client.get(f"/new/midjourney/?retry={theirs.pk}")

        assert response.status_code == 404

    def test_malformed_retry_id_is_404(self, alice_client, alice_key):
        response = alice_client.get("/new/midjourney/?retry=not-a-uuid")

        assert response.status_code == 404


# --- Flux ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFluxNew:
    def test_submit_with_an_aspect_ratio_queues_a_generation(
        self, alice_client, alice_key, task_queue, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(
                "/new/flux/",
                {
                    "prompt": "a cabin in the woods",
                    "n": "3",
                    "aspect_ratio": "16:9",
                    "output_format": "webp",
                    "key": alice_key.pk,
                },
            )

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert [t["func"] for t in task_queue.tasks()] == ["studio.generation.tasks.submit"]
        generation = Generation.objects.get()
        assert generation.status == Status.QUEUED
        assert generation.model == Model.FLUX
        assert generation.prompt == "a cabin in the woods"
        assert generation.request_body == {
            "prompt": "a cabin in the woods",
            "n": 3,
            "output_format": "webp",
            "aspect_ratio": "16:9",
        }
        assert generation.cost == 18
        assert generation.params == {
            "prompt": "a cabin in the woods",
            "n": 3,
            "aspect_ratio": "16:9",
            "output_format": "webp",
        }
        card = card_of(alice_client.get("/").content.decode(), generation)
        assert "<progress" in card
        assert "data-running" in card

    def test_submit_with_a_size_sends_width_and_height_instead(
        self, alice_client, alice_key, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False):
            alice_client.post(
                "/new/flux/",
                {
                    "prompt": "a cabin",
                    "n": "1",
                    "aspect_ratio": "16:9",
                    "width": "1024",
                    "height": "768",
                    "output_format": "png",
                    "key": alice_key.pk,
                },
            )

        generation = Generation.objects.get()
        assert generation.request_body == {
            "prompt": "a cabin",
            "n": 1,
            "output_format": "png",
            "width": 1024,
            "height": 768,
        }
        assert generation.cost == 6

    def test_invalid_submit_shows_errors_and_creates_nothing(self, alice_client, alice_key):
        response = alice_client.post(
            "/new/flux/",
            {
                "prompt": "a cabin",
                "n": "5",
                "width": "1001",
                "output_format": "png",
                "key": alice_key.pk,
            },
        )

        assert response.status_code == 400
        html = response.content.decode()
        assert "Must be a multiple of 8 (try 1000 or 1008)." in html
        assert "Give both width and height" in html
        assert not Generation.objects.exists()

    def test_retry_fills_the_form_with_the_original_settings(self, alice_client, alice, alice_key):
        failed = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            model=Model.FLUX,
            status=Status.FAILED,
            error="The provider had an internal error (HTTP 500).",
            params={
                "prompt": "a red barn",
                "n": 3,
                "aspect_ratio": "9:16",
                "output_format": "jpg",
            },
        )

        html = alice_client.get(f"/new/flux/?retry={failed.pk}").content.decode()

        assert "Filled in from a failed generation" in html
        assert re.search(r"<textarea[^>]*>\s*a red barn</textarea>", html)
        assert re.search(r'<input type="number" name="n" value="3"', html)
        assert '<option value="9:16" selected>' in html
        assert '<option value="jpg" selected>' in html


# --- the gallery -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestGallery:
    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/"

    def test_newest_first_and_only_mine(self, alice_client, alice, alice_key, charlie):
        old = GenerationFactory(user=alice, provider_key=alice_key, queued=True, minutes_ago=30)
        new = GenerationFactory(user=alice, provider_key=alice_key, queued=True, minutes_ago=1)
        middle = GenerationFactory(user=alice, provider_key=alice_key, queued=True, minutes_ago=10)
        theirs = GenerationFactory(user=charlie, queued=True, minutes_ago=0)

        html = alice_client.get("/").content.decode()

        assert card_ids(html) == [str(new.pk), str(middle.pk), str(old.pk)]
        assert str(theirs.pk) not in html

    @pytest.mark.parametrize("model", [Model.MIDJOURNEY, Model.FLUX])
    def test_filter_by_model(self, alice_client, alice, alice_key, model):
        mj = GenerationFactory(
            user=alice, provider_key=alice_key, queued=True, model=Model.MIDJOURNEY
        )
        flux = GenerationFactory(user=alice, provider_key=alice_key, queued=True, model=Model.FLUX)
        wanted = {Model.MIDJOURNEY: mj, Model.FLUX: flux}[model]

        html = alice_client.get(f"/?model={model}").content.decode()

        assert card_ids(html) == [str(wanted.pk)]
        assert f'<option value="{model}" selected>' in html

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("running", ["queued", "processing", "downloading"]),
            ("done", ["done"]),
            ("failed", ["failed"]),
            ("", ["queued", "processing", "downloading", "done", "failed"]),
        ],
    )
    def test_filter_by_status(self, alice_client, alice, alice_key, status, expected):
        made = {}
        for minutes, name in enumerate(["queued", "processing", "downloading", "done", "failed"]):
            made[name] = GenerationFactory(
                user=alice, provider_key=alice_key, minutes_ago=minutes, status=name
            )

        html = alice_client.get(f"/?status={status}").content.decode()

        assert card_ids(html) == [str(made[name].pk) for name in expected]

    def test_long_gallery_loads_the_rest_when_scrolled_to_the_end(
        self, alice_client, alice, alice_key
    ):
        made = [
            GenerationFactory(
                user=alice,
                provider_key=alice_key,
                minutes_ago=i,
                status=Status.DONE if i % 2 else Status.QUEUED,
            )
            for i in range(30)
        ]  # made[0] is the newest

        first = alice_client.get("/").content.decode()
        assert card_ids(first) == [str(g.pk) for g in made[:24]]
        assert first.count('hx-trigger="revealed"') == 1
        more = re.search(
            r'<div class="more" hx-get="\?(after=[0-9.a-f]+)" hx-trigger="revealed"', first
        )
        assert more

        second = alice_client.get(f"/?{more.group(1)}", headers=HTMX)
        html = second.content.decode()
        assert second.status_code == 200
        assert "<html" not in html and "<h1>Gallery</h1>" not in html
        assert card_ids(html) == [str(g.pk) for g in made[24:]]
        assert 'hx-trigger="revealed"' not in html
        assert "Load more" not in html

    def test_load_more_keeps_the_filter(self, alice_client, alice, alice_key):
        for i in range(26):
            GenerationFactory(
                user=alice, provider_key=alice_key, queued=True, minutes_ago=i, model=Model.FLUX
            )
        GenerationFactory(user=alice, provider_key=alice_key, queued=True, model=Model.MIDJOURNEY)

        first = alice_client.get("/?model=flux").content.decode()
        more = re.search(r'hx-get="\?(model=flux&after=[0-9.a-f]+)" hx-trigger="revealed"', first)
        assert more

        second = alice_client.get(f"/?{more.group(1).replace('&amp;', '&')}", headers=HTMX)
        second = second.content.decode()
        assert len(card_ids(second)) == 2


# --- the live card ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestCard:
    @pytest.mark.parametrize(
        "status", [Status.QUEUED, Status.SUBMITTED, Status.PROCESSING, Status.DOWNLOADING]
    )
    def test_running_card_keeps_polling(self, alice_client, alice, alice_key, status):
        generation = GenerationFactory(
            user=alice, provider_key=alice_key, status=status, progress=40
        )

        response = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert card_ids(html) == [str(generation.pk)]
        assert "data-running" in html
        assert '<progress value="40" max="100"' in html
        assert "HX-Trigger" not in response.headers

    def test_processing_card_shows_its_progress(self, alice_client, alice, alice_key):
        generation = GenerationFactory(
            user=alice, provider_key=alice_key, status=Status.PROCESSING, progress=63
        )

        html = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX).content.decode()

        assert "creating, 63 %" in html

    @pytest.mark.parametrize("status", [Status.DONE, Status.FAILED])
    def test_final_card_stops_polling_and_announces_it(
        self, alice_client, alice, alice_key, status
    ):
        generation = GenerationFactory(
            user=alice, provider_key=alice_key, status=status, error="boom"
        )

        response = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX)

        assert response.status_code == 286
        html = response.content.decode()
        assert card_ids(html) == [str(generation.pk)]
        assert "hx-get" not in html
        assert "hx-trigger" not in html
        assert "<progress" not in html
        assert "generation-finished" in response["HX-Trigger"]
        assert json.loads(response["HX-Trigger"]) == {
            "generation-finished": {"id": str(generation.pk)}
        }

    def test_failed_button_press_offers_to_press_again(self, alice_client, alice, alice_key):
        parent = GenerationFactory(
            user=alice, provider_key=alice_key, status=Status.DONE, buttons=["U1"]
        )
        child = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            status=Status.FAILED,
            action=Action.BUTTON,
            button="U1",
            parent=parent,
            error="The provider had an internal error (HTTP 500).",
        )

        html = alice_client.get(f"/g/{child.pk}/card/", headers=HTMX).content.decode()

        assert f'action="/g/{parent.pk}/press/"' in html
        assert 'name="button" value="U1"' in html
        assert "Retry Upscale 1" in html
        assert "?retry=" not in html


@pytest.mark.django_db(transaction=True)
def test_failed_card_shows_the_providers_reason_and_retries_with_the_same_settings(
    alice_client, alice, alice_key, sandbox_url
):
    """The sandbox refuses a banned word, like Midjourney's moderation. (The form's prompt
    check stops such a prompt first; this is a job the check could not stop.)"""
    generation = services.midjourney_create(
        user=alice,
        provider_key=alice_key,
        prompt="a banned lighthouse --ar 16:9 --chaos 20 --relax",
        params={
            "prompt": "a banned lighthouse",
            "aspect_ratio": "16:9",
            "speed": "relax",
            "chaos": 20,
        },
    )
    generation = run_to_final(generation)
    assert generation.status == Status.FAILED

    response = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX)

    assert response.status_code == 286
    html = response.content.decode()
    assert "Banned prompt detected: &quot;banned&quot;" in html
    assert "hx-trigger" not in html
    assert "generation-finished" in response["HX-Trigger"]
    # The same words would be refused again: the card offers to edit the prompt, not a retry.
    assert "Retry" not in html
    match = re.search(r'<a role="button"[^>]*href="([^"]+)">Edit prompt</a>', html)
    assert match
    assert match.group(1) == f"/new/midjourney/?retry={generation.pk}"

    form = alice_client.get(match.group(1)).content.decode()
    assert "Filled in from a failed generation" in form
    assert re.search(r"<textarea[^>]*>\s*a banned lighthouse</textarea>", form)
    assert '<option value="16:9" selected>' in form
    assert re.search(r'<input type="radio" name="speed" value="relax"[^>]*checked', form)
    assert re.search(r'<input type="number" name="chaos" value="20"', form)


# --- finished generations: images, buttons, lineage ----------------------------------------


@pytest.mark.django_db(transaction=True)
class TestDoneGrid:
    def test_card_shows_four_thumbnails_with_their_buttons(self, alice_client, done_grid):
        response = alice_client.get(f"/g/{done_grid.pk}/card/", headers=HTMX)
        gallery = alice_client.get("/").content.decode()

        assert response.status_code == 286
        html = response.content.decode()
        # The gallery shows the same card (CSRF tokens are masked anew on each render).
        unmask = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        assert unmask.sub("", card_of(gallery, done_grid)) == unmask.sub("", html.strip())
        images = sorted(done_grid.images, key=lambda a: a.index)
        # One tile of the wall per image, at the image's ratio, with that image's U n / V n.
        figures = re.findall(
            r'<figure class="wall-tile image-tile" data-ar="([0-9.]+)">(.*?)</figure>',
            html,
            re.DOTALL,
        )
        assert len(figures) == 4
        for n, (asset, (ratio, figure)) in enumerate(zip(images, figures, strict=True), start=1):
            assert float(ratio) == pytest.approx(asset.width / asset.height, abs=1e-4)
            assert f'src="/a/{asset.pk}/thumb/"' in figure
            assert f'href="/a/{asset.pk}/file/"' in figure
            pressable = re.findall(r'name="button" value="([^"]+)"', figure)
            assert pressable == [f"U{n}", f"V{n}"]
        # The grid's own buttons (🔄) are not repeated under the tiles: the lightbox has them.
        rest = html.rsplit("</figure>", 1)[1]
        assert re.findall(r'name="button" value="([^"]+)"', rest) == []
        panel = re.search(r'data-panel="([^"]+)"', figures[0][1]).group(1).replace("&amp;", "&")
        panel_html = alice_client.get(panel).content.decode()
        assert {"U1", "V1", "🔄"} <= set(re.findall(r'name="button" value="([^"]+)"', panel_html))
        grid_asset = done_grid.assets.get(role=Asset.Role.GRID)
        assert str(grid_asset.pk) not in html  # the grid file is kept, not shown as a tile

    def test_pressing_u1_adds_a_queued_child_card(self, alice_client, done_grid):
        response = alice_client.post(f"/g/{done_grid.pk}/press/", {"button": "U1"}, headers=HTMX)

        assert response.status_code == 200
        child = Generation.objects.get(parent=done_grid)
        assert child.action == Action.BUTTON
        assert child.button == "U1"
        assert child.status == Status.QUEUED
        assert child.request_body == {"messageId": done_grid.message_id, "button": "U1"}
        assert child.cost == 5
        assert child.provider_key_id == done_grid.provider_key_id
        html = response.content.decode()
        assert card_ids(html) == [str(child.pk)]
        assert "Upscale 1 of Midjourney" in html
        assert "data-running" in html
        assert "<progress" in html

        child_page = alice_client.get(f"/g/{child.pk}/").content.decode()
        assert f'<a href="/g/{done_grid.pk}/" class="parent-link">' in child_page
        parent_page = alice_client.get(f"/g/{done_grid.pk}/").content.decode()
        assert f'<a href="/g/{child.pk}/" class="child-link">Upscale 1 (queued)</a>' in parent_page

    def test_unknown_button_is_refused_and_creates_nothing(self, alice_client, done_grid):
        response = alice_client.post(f"/g/{done_grid.pk}/press/", {"button": "U9"}, headers=HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert "“U9” is not one of this image&#x27;s buttons." in html
        assert 'role="alert"' in html
        assert Generation.objects.count() == 1

        plain = alice_client.post(f"/g/{done_grid.pk}/press/", {"button": "U9"}, follow=True)
        assert plain.redirect_chain == [(f"/g/{done_grid.pk}/", 302)]
        assert "is not one of this image" in plain.content.decode()
        assert Generation.objects.count() == 1

    def test_thumbnails_are_small_webp_and_files_are_the_original(self, alice_client, done_grid):
        stored = list(done_grid.assets.all())
        assert len(stored) == 5  # four tiles and the grid

        for asset in stored:
            thumb = alice_client.get(f"/a/{asset.pk}/thumb/")
            assert thumb.status_code == 200
            assert thumb["Content-Type"] == "image/webp"
            image = Image.open(io.BytesIO(body(thumb)))
            assert image.format == "WEBP"
            assert max(image.size) <= 512

            full = alice_client.get(f"/a/{asset.pk}/file/")
            assert full.status_code == 200
            assert full["Content-Type"] == "image/png"
            original = Image.open(io.BytesIO(body(full)))
            assert original.size == (asset.width, asset.height)

        grid = done_grid.assets.get(role=Asset.Role.GRID)
        assert (grid.width, grid.height) == (1024, 1024)
        grid_thumb = Image.open(io.BytesIO(body(alice_client.get(f"/a/{grid.pk}/thumb/"))))
        assert grid_thumb.size == (512, 512)

    def test_detail_page_shows_full_images_and_plain_buttons(self, alice_client, done_grid):
        html = alice_client.get(f"/g/{done_grid.pk}/").content.decode()

        for asset in done_grid.images:
            assert f'<img src="/a/{asset.pk}/file/"' in html
            assert f'href="/a/{asset.pk}/file/?download=1"' in html
        assert re.findall(r'name="button" value="([^"]+)"', html) == done_grid.buttons
        # Press forms are plain POSTs: the press opens the child's page.
        assert not re.search(r"<form[^>]*class=\"inline press\"[^>]*hx-post", html)

    def test_download_link_saves_a_named_file(self, alice_client, done_grid):
        asset = sorted(done_grid.images, key=lambda a: a.index)[0]

        response = alice_client.get(f"/a/{asset.pk}/file/?download=1")

        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            f'attachment; filename="{done_grid.pk}-image-1.png"'
        )


@pytest.mark.django_db(transaction=True)
def test_flux_thumbnail_keeps_the_aspect_ratio(alice_client, alice, alice_key, sandbox_url):
    generation = services.flux_create(
        user=alice,
        provider_key=alice_key,
        prompt="a cabin in the woods",
        n=1,
        output_format="png",
        width=1024,
        height=768,
        params={},
    )
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    [asset] = generation.images

    full = Image.open(io.BytesIO(body(alice_client.get(f"/a/{asset.pk}/file/"))))
    thumb = Image.open(io.BytesIO(body(alice_client.get(f"/a/{asset.pk}/thumb/"))))

    assert full.size == (1024, 768)
    assert thumb.format == "WEBP"
    assert thumb.size == (512, 384)


@pytest.mark.django_db
class TestPress:
    def test_before_the_generation_is_done_is_refused(self, alice_client, alice, alice_key):
        running = GenerationFactory(
            user=alice,
            provider_key=alice_key,
            status=Status.PROCESSING,
            buttons=["U1"],
            message_id="m-1",
        )

        response = alice_client.post(f"/g/{running.pk}/press/", {"button": "U1"}, headers=HTMX)

        assert "Buttons work once the generation is done." in response.content.decode()
        assert Generation.objects.count() == 1

    def test_after_the_key_was_deleted_is_refused(self, alice_client, alice):
        orphan = GenerationFactory(user=alice, status=Status.DONE, buttons=["U1"], message_id="m-1")

        response = alice_client.post(f"/g/{orphan.pk}/press/", {"button": "U1"}, headers=HTMX)

        assert "The API key that made this image was deleted" in response.content.decode()
        assert Generation.objects.count() == 1

    def test_get_is_not_allowed(self, alice_client, alice, alice_key):
        done = GenerationFactory(
            user=alice, provider_key=alice_key, status=Status.DONE, buttons=["U1"]
        )

        assert alice_client.get(f"/g/{done.pk}/press/").status_code == 405


# --- who may see what ------------------------------------------------------------------------


@pytest.fixture
def alices_done(alice, alice_key) -> tuple[Generation, Asset]:
    generation = GenerationFactory(
        user=alice,
        provider_key=alice_key,
        status=Status.DONE,
        buttons=["U1", "V1"],
        message_id="m-1",
    )
    return generation, AssetFactory(generation=generation)


@pytest.mark.django_db
class TestStrangers:
    def test_detail_page_is_404(self, charlie_client, alices_done):
        generation, _ = alices_done

        assert charlie_client.get(f"/g/{generation.pk}/").status_code == 404

    def test_card_is_404(self, charlie_client, alices_done):
        generation, _ = alices_done

        assert charlie_client.get(f"/g/{generation.pk}/card/", headers=HTMX).status_code == 404

    @pytest.mark.parametrize("kind", ["file", "thumb"])
    def test_asset_file_is_404(self, charlie_client, alice_client, alices_done, kind):
        _, asset = alices_done
        assert alice_client.get(f"/a/{asset.pk}/{kind}/").status_code == 200  # it exists

        assert charlie_client.get(f"/a/{asset.pk}/{kind}/").status_code == 404

    def test_button_press_is_404_and_creates_nothing(self, charlie_client, alices_done):
        generation, _ = alices_done

        response = charlie_client.post(f"/g/{generation.pk}/press/", {"button": "U1"}, headers=HTMX)

        assert response.status_code == 404
        assert Generation.objects.count() == 1

    def test_gallery_does_not_show_it(self, charlie_client, alices_done):
        generation, _ = alices_done

        html = charlie_client.get("/").content.decode()

        assert str(generation.pk) not in html
        assert card_ids(html) == []


@pytest.mark.django_db
class TestAnonymous:
    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/new/midjourney/",
            "/new/flux/",
            "/g/{g}/",
            "/g/{g}/card/",
            "/a/{a}/file/",
            "/a/{a}/thumb/",
        ],
    )
    def test_pages_send_to_log_in(self, client, alices_done, path):
        generation, asset = alices_done
        url = path.format(g=generation.pk, a=asset.pk)

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    @pytest.mark.parametrize("path", ["/g/{g}/press/", "/new/midjourney/preview/"])
    def test_posts_send_to_log_in_and_create_nothing(self, client, alices_done, path):
        generation, _ = alices_done

        response = client.post(path.format(g=generation.pk), {"button": "U1", "prompt": "x"})

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        assert Generation.objects.count() == 1
