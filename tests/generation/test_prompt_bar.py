"""The gallery's prompt bar over HTTP: its quote, its htmx submit (new cards for the top of
the wall, errors for the bar) and its plain-form path, against the sandbox."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from studio.banwords import services as banwords
from studio.credits.models import LedgerEntry
from studio.generation import costs
from studio.generation.models import Generation, Model, Status
from studio.teams import services as teams
from studio.teams.models import Membership, Role
from studio.web import ratelimits
from tests.support import run_to_final

HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.django_db


def bar_post(key, **fields):
    data = {"prompt": "a lighthouse at dusk", "models": ["midjourney"], "key": key.pk}
    data.update({"aspect_ratio": "1:1", "repeat": "1", "midjourney-speed": "fast"})
    data.update({"flux-n": "1", "flux-output_format": "png", "video-timeout": "900"})
    data.update({"nano_banana-model": "nano-banana-2"})
    data.update(fields)
    return data


def png(name="ref.png"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "PNG")
    out.seek(0)
    out.name = name
    return out


def test_the_gallery_shows_the_bar_with_the_cost_before_sending(alice_client, alice_key):
    html = alice_client.get("/").content.decode()
    assert 'id="prompt-bar"' in html
    assert 'action="/bar/"' in html
    assert f"1 job · {costs.MIDJOURNEY_FAST} credits" in html
    for label in ("Midjourney", "Flux", "Nano Banana", "Lumi Girl", "Midjourney video"):
        assert f"> {label}</label>" in html


def test_no_bar_without_a_key(alice_client):
    assert 'id="prompt-bar"' not in alice_client.get("/").content.decode()


def test_the_quote_counts_permutations_models_and_repeats(alice_client, alice_key):
    query = "prompt=a+{red,+blue}+bird&models=midjourney&models=flux&repeat=2&flux-n=2"
    html = alice_client.get(f"/bar/quote/?{query}", headers=HTMX).content.decode()
    total = 4 * costs.MIDJOURNEY_FAST + 4 * costs.flux_imagine(2)
    assert html.strip() == f"8 jobs · {total} credits"


def test_the_quote_refuses_more_than_twelve_jobs_with_a_sentence(alice_client, alice_key):
    query = "prompt={a,b,c,d,e,f,g}&models=midjourney&models=flux"
    html = alice_client.get(f"/bar/quote/?{query}").content.decode()
    assert "That makes 14 jobs; one submission makes at most 12." in html


@pytest.mark.django_db(transaction=True)
def test_htmx_submit_answers_the_new_card_and_says_sent(
    alice_client, alice_key, sandbox_url, task_queue
):
    response = alice_client.post("/bar/", bar_post(alice_key), headers=HTMX)

    assert response.status_code == 200
    generation = Generation.objects.get()
    assert generation.model == Model.MIDJOURNEY
    assert generation.prompt.startswith("a lighthouse at dusk")
    html = response.content.decode()
    assert f'id="card-{generation.pk}"' in html
    assert "data-running" in html  # the live channel keeps it fresh like any card
    assert "Sent." in html and 'hx-swap-oob="true"' in html
    assert "data-batch" not in html  # one job: no row of its own
    assert len(task_queue.tasks()) == 1
    assert LedgerEntry.objects.filter(generation=generation).exists()
    assert run_to_final(generation).status == Status.DONE


def test_a_typed_aspect_ratio_is_kept_unless_a_chip_is_chosen(alice_client, alice_key):
    data = bar_post(alice_key, prompt="a bird --ar 16:9", aspect_ratio="")
    assert alice_client.post("/bar/", data, headers=HTMX).status_code == 200
    data = bar_post(alice_key, prompt="a fish --ar 16:9", aspect_ratio="3:2")
    assert alice_client.post("/bar/", data, headers=HTMX).status_code == 200
    prompts = list(Generation.objects.order_by("created_at").values_list("prompt", flat=True))
    assert "--ar 16:9" in prompts[0]
    assert "--ar 3:2" in prompts[1] and "16:9" not in prompts[1]


def test_compare_and_permutations_make_one_row_of_every_job(alice_client, alice_key):
    data = bar_post(alice_key, prompt="a {red, blue} bird", models=["midjourney", "flux"])
    response = alice_client.post("/bar/", data, headers=HTMX)

    assert response.status_code == 200
    made = Generation.objects.order_by("created_at")
    assert [(g.model, g.prompt.split(" --")[0]) for g in made] == [
        (Model.MIDJOURNEY, "a red bird"),
        (Model.MIDJOURNEY, "a blue bird"),
        (Model.FLUX, "a red bird"),
        (Model.FLUX, "a blue bird"),
    ]
    html = response.content.decode()
    assert 'class="batch-row batch-4" data-batch' in html
    assert html.count('class="card status-queued"') == 4
    assert "Sent 4 jobs." in html


def test_more_than_twelve_jobs_are_refused_and_nothing_is_made(alice_client, alice_key):
    data = bar_post(alice_key, prompt="{a, b, c, d, e, f, g}", models=["midjourney", "flux"])
    response = alice_client.post("/bar/", data, headers=HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#prompt-bar-errors"
    assert "at most 12" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_banned_word_is_refused_in_plain_words(alice_client, alice_key, django_user_model):
    staff = django_user_model.objects.create_user("sam", "sam@example.com", is_staff=True)
    banwords.save_version(staff, ["gore"], note="")
    response = alice_client.post("/bar/", bar_post(alice_key, prompt="gore at dusk"), headers=HTMX)

    assert response.status_code == 400
    assert response["HX-Reswap"] == "innerHTML"
    assert "gore" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_form_error_of_one_model_is_named(alice_client, alice_key):
    data = bar_post(alice_key, models=["midjourney", "flux"], **{"flux-n": "9"})
    response = alice_client.post("/bar/", data, headers=HTMX)

    assert response.status_code == 400
    assert "Flux: Images: Ensure this value is less than or equal to 4." in (
        response.content.decode()
    )
    assert not Generation.objects.exists()


def test_over_the_submit_rate_is_429_and_nothing_is_made(
    alice_client, alice_key, settings, ratelimit_clock
):
    settings.RATELIMIT_SUBMIT = "1/m"
    assert alice_client.post("/bar/", bar_post(alice_key), headers=HTMX).status_code == 200
    refused = alice_client.post("/bar/", bar_post(alice_key), headers=HTMX)
    assert refused.status_code == 429
    assert ratelimits.SUBMIT_SENTENCE in refused.content.decode()
    assert Generation.objects.count() == 1


def test_nano_banana_takes_reference_images_through_the_upload_field(
    alice_client, alice_key, settings, live_server
):
    settings.PUBLIC_BASE_URL = live_server.url
    data = bar_post(alice_key, models=["nano_banana"])
    data["nano_banana-reference_images_files"] = [png("a.png"), png("b.png")]
    response = alice_client.post("/bar/", data, headers=HTMX)

    assert response.status_code == 200, response.content.decode()
    generation = Generation.objects.get()
    images = [c for c in generation.request_body["contents"] if c["type"] == "image"]
    assert len(images) == 2


def test_a_bad_upload_is_refused_in_plain_words(alice_client, alice_key, settings, live_server):
    settings.PUBLIC_BASE_URL = live_server.url
    data = bar_post(alice_key, models=["nano_banana"])
    bad = io.BytesIO(b"not an image")
    bad.name = "notes.png"
    data["nano_banana-reference_images_files"] = [bad]
    response = alice_client.post("/bar/", data, headers=HTMX)

    assert response.status_code == 400
    assert "“notes.png” is not an image we can read" in response.content.decode()
    assert not Generation.objects.exists()


def test_without_javascript_it_posts_and_comes_back(alice_client, alice_key):
    response = alice_client.post("/bar/", bar_post(alice_key), follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert Generation.objects.count() == 1
    assert "Submitted. It appears at the top of the gallery." in response.content.decode()


def test_without_javascript_an_error_comes_back_with_the_prompt(alice_client, alice_key):
    data = bar_post(alice_key, prompt="a {red, blue bird")
    response = alice_client.post("/bar/", data, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[0][0].startswith("/?prompt=a+%7Bred")
    assert "A { is not closed" in html
    assert "a {red, blue bird</textarea>" in html
    assert not Generation.objects.exists()


def test_a_team_viewer_gets_no_bar_and_cannot_post(alice, alice_key, django_user_model):
    vera = django_user_model.objects.create_user("vera", "vera@example.com", "x-horse-42")
    team = teams.team_create(user=alice, name="Acme")
    Membership.objects.create(team=team, user=vera, role=Role.VIEWER)
    client = Client()
    client.force_login(vera)
    client.post("/teams/switch/", {"workspace": str(team.pk)})

    assert 'id="prompt-bar"' not in client.get("/").content.decode()
    assert client.post("/bar/", bar_post(alice_key), headers=HTMX).status_code == 403
    assert not Generation.objects.exists()


def test_an_imaginelab_key_offers_its_types_in_the_bar(alice_client, sandbox_url):
    assert alice_client.post(reverse("key_lab_sandbox")).status_code == 302
    html = alice_client.get("/").content.decode()

    assert 'id="prompt-bar"' in html
    assert f'href="{reverse("imaginelab:new", args=["image"])}" data-carry-prompt' in html
    assert 'class="bar-send"' not in html  # no ImaginePro key: nothing the bar itself sends
