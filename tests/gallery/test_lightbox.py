"""The lightbox's hooks and its details panel (the overlay itself: tests/browser).

The panel is fetched per image: prompt, model, step, aspect ratio, size, cost, maker,
dates, status, a link to the detail page and "Reuse settings" in a new tab; only for people
who may see the generation, and only for its own files."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.test import Client
from django.urls import reverse

from studio.generation import presses, services
from studio.generation.models import Status
from studio.teams.models import Role
from tests.factories import MidjourneyJobFactory, ProviderKeyFactory, TeamFactory, UserFactory
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)


def panel_url(generation, asset=None) -> str:
    url = reverse("generation:lightbox", args=[generation.pk])
    return f"{url}?asset={asset.pk}" if asset else url


def facts(html: str) -> dict[str, str]:
    """The panel's <dt>/<dd> pairs as plain text."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html, re.S)
    return {
        term: " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", value)).split())
        for term, value in pairs
    }


@pytest.fixture
def grid(alice, alice_key, sandbox_url):
    prompt = "a lighthouse at dusk --ar 3:2"
    generation = run_to_final(
        services.midjourney_create(
            user=alice, provider_key=alice_key, prompt=prompt, params={"prompt": prompt}
        )
    )
    assert generation.status == Status.DONE, generation.error
    return generation


def test_gallery_and_detail_images_open_in_the_lightbox(alice_client, grid):
    """Each image link keeps its file as href (middle-click, no JavaScript) and names the
    panel of its own image; the detail page loads the script."""
    gallery = alice_client.get(reverse("generation:gallery")).content.decode()
    detail = alice_client.get(grid.get_absolute_url()).content.decode()
    for page in (gallery, detail):
        for asset in grid.images:
            file_url = reverse("generation:asset", args=[asset.pk, "file"])
            assert re.search(
                rf'<a href="{re.escape(file_url)}"[^>]* data-lightbox '
                rf'data-panel="{re.escape(panel_url(grid, asset))}"',
                htmllib.unescape(page),
            ), "image link without its lightbox hook"
    assert "js/lightbox.js" in detail and "css/lightbox.css" in detail


def test_the_panel_tells_everything_about_one_image(alice_client, grid):
    third = grid.images[2]
    response = alice_client.get(panel_url(grid, third))
    assert response.status_code == 200
    html = response.content.decode()
    shown = facts(html)
    assert shown["Prompt"] == "a lighthouse at dusk --ar 3:2"
    assert shown["Model"] == "Midjourney sandbox"
    assert shown["Step"] == "Midjourney"
    assert shown["Aspect ratio"] == "3:2"
    assert shown["Size"].startswith(f"{third.width}×{third.height} px")
    assert shown["Cost"] == "10 credits"
    assert shown["Made by"] == "you"
    assert shown["Status"] == "done"
    assert "Image 3 of 4" in html
    assert f'href="{grid.get_absolute_url()}"' in html
    # "Reuse settings" opens the Midjourney form, filled, in a new tab.
    reuse = re.search(
        r'<a href="([^"]+)" target="_blank" rel="noopener" class="lightbox-reuse"', html
    )
    assert reuse and htmllib.unescape(reuse.group(1)) == (
        f"{reverse('generation:midjourney_new')}?retry={grid.pk}"
    )
    form = alice_client.get(htmllib.unescape(reuse.group(1))).content.decode()
    assert "a lighthouse at dusk" in form


def test_a_button_press_reuses_the_first_prompts_settings(alice, alice_client, grid):
    u1 = run_to_final(presses.button_press(user=alice, parent=grid, button="U1"))
    assert u1.status == Status.DONE, u1.error
    html = alice_client.get(panel_url(u1, u1.images[0])).content.decode()
    assert facts(html)["Step"] == "Upscale 1"
    assert f"?retry={grid.pk}" in html and f"?retry={u1.pk}" not in html
    assert "Reuse settings of Midjourney" in html


def test_strangers_and_other_files_get_404(alice_client, charlie, grid, alice, alice_key):
    stranger = Client()
    stranger.force_login(charlie)
    assert stranger.get(panel_url(grid, grid.images[0])).status_code == 404
    # A file of another generation, or not a file id at all.
    other = run_to_final(
        services.flux_create(
            user=alice,
            provider_key=alice_key,
            prompt="a red apple",
            n=1,
            output_format="png",
            aspect_ratio="1:1",
            params={"prompt": "a red apple"},
        )
    )
    assert alice_client.get(panel_url(grid, other.images[0])).status_code == 404
    url = reverse("generation:lightbox", args=[grid.pk])
    assert alice_client.get(f"{url}?asset=not-a-uuid").status_code == 404
    # Anonymous: to the login page.
    assert Client().get(panel_url(grid, grid.images[0])).status_code == 302


def test_a_team_member_sees_who_made_it(alice, sandbox_url):
    bob = UserFactory(username="bob")
    team = TeamFactory(
        name="Harbour Studio", created_by=alice, members={alice: Role.OWNER, bob: Role.VIEWER}
    )
    key = ProviderKeyFactory(user=alice, team=team)
    generation = run_to_final(
        services.flux_create(
            user=alice,
            provider_key=key,
            prompt="a red apple",
            n=1,
            output_format="png",
            aspect_ratio="1:1",
            params={"prompt": "a red apple"},
        )
    )
    member = Client()
    member.force_login(bob)
    html = member.get(panel_url(generation, generation.images[0])).content.decode()
    assert facts(html)["Made by"] == "alice"
    assert facts(html)["Step"] == "Flux"


def _press_values(html: str) -> list[str]:
    return [htmllib.unescape(v) for v in re.findall(r'name="button" value="([^"]*)"', html)]


def test_the_panel_offers_every_action_of_the_image(alice_client, grid):
    image = grid.images[0]
    html = alice_client.get(panel_url(grid, image)).content.decode()
    actions = html[html.index("data-lightbox-actions") :]
    # The provider's buttons of the generation, posted to the detail page's press endpoint.
    press = reverse("generation:press", args=[grid.pk])
    assert f'hx-post="{press}" hx-target="#gallery-grid" hx-swap="afterbegin"' in actions
    values = _press_values(actions)
    for value in ("U1", "U2", "U3", "U4", "V1", "V2", "V3", "V4", "\U0001f504"):
        assert value in values
    assert "Reroll" in actions
    for group in ("Upscale", "Vary", "Use as", "Tools", "Organize"):
        assert f"<h3>{group}</h3>" in actions
    pk = str(image.pk)
    video = reverse("generation:video_new")
    assert f"{video}?start_frame={pk}" in actions
    assert f"{video}?end_frame={pk}" in actions
    assert f"{reverse('generation:tool', args=['remove-background'])}?image={pk}" in actions
    assert f"{reverse('generation:tool', args=['face-swap'])}?target={pk}" in actions
    assert f"{reverse('generation:tool', args=['blend'])}?images={pk}" in actions
    assert f"{reverse('generation:nano_banana_new')}?reference_images={pk}" in actions
    assert reverse("library:favourite", args=[grid.pk]) in actions
    assert f"{reverse('library:collection_add')}?ids={grid.pk}" in actions
    assert reverse("sharing:create") in actions
    assert f"{reverse('library:delete')}?ids={grid.pk}" in actions
    assert reverse("generation:lineage", args=[grid.pk]) in actions
    assert "lightbox-reuse" in html


def test_an_upscaled_image_offers_vary_zoom_pan_with_names(alice, alice_client, grid):
    child = run_to_final(presses.button_press(user=alice, parent=grid, button="U1"))
    assert child.status == Status.DONE, child.error
    html = alice_client.get(panel_url(child, child.images[0])).content.decode()
    actions = html[html.index("data-lightbox-actions") :]
    values = _press_values(actions)
    for value in child.buttons:
        if value != presses.CANCEL_JOB and value != presses.VARY_REGION:
            assert value in values, value
    # The sandbox offers pans and Vary (Region) on an upscaled image (sandbox buttons.py).
    assert "\u2b05\ufe0f" in child.buttons and presses.VARY_REGION in child.buttons
    assert "Pan left" in actions and "Pan ←" not in actions
    assert reverse("generation:vary_region", args=[child.pk]) in actions
    assert "<h3>Edit</h3>" in actions


def test_a_team_viewer_is_offered_no_action_that_makes_or_deletes(alice, sandbox_url):
    bob = UserFactory(username="bob")
    team = TeamFactory(
        name="Harbour Studio", created_by=alice, members={alice: Role.OWNER, bob: Role.VIEWER}
    )
    key = ProviderKeyFactory(user=alice, team=team)
    prompt = "a harbour at dawn"
    generation = run_to_final(MidjourneyJobFactory(user=alice, provider_key=key, prompt=prompt))
    assert generation.status == Status.DONE, generation.error
    owner = Client()
    owner.force_login(alice)
    owner_html = owner.get(panel_url(generation, generation.images[0])).content.decode()
    assert "U1" in _press_values(owner_html)
    viewer = Client()
    viewer.force_login(bob)
    html = viewer.get(panel_url(generation, generation.images[0])).content.decode()
    actions = html[html.index("data-lightbox-actions") :]
    assert _press_values(actions) == []
    assert reverse("generation:press", args=[generation.pk]) not in actions
    assert reverse("generation:tools") not in actions
    assert "/tools/" not in actions
    assert "Remix" not in actions and "Animate" not in actions
    assert reverse("library:delete") not in actions
    assert reverse("library:collection_add") not in actions
    assert "lightbox-reuse" not in html
    # What a viewer may do stays: favourite, lineage, download.
    assert reverse("library:favourite", args=[generation.pk]) in actions
    assert reverse("generation:lineage", args=[generation.pk]) in actions
    assert "?download=1" in html
