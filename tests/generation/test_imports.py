"""Importing a key's last 24 hours (GET /nova/images) over the real sandbox.

The history is made the way a person would make it outside the studio: by calling the
sandbox's API directly with the key. The import task is called as the cluster would call
it; the views' end-to-end test runs django-q in sync mode (its own switch, docs/architecture.md "Pitfalls" §1).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from html import unescape

import django_q.conf
import pytest
from django.test import Client
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import assets, enqueue, imaginepro_history, poller, services, tasks
from studio.generation.models import Action, Generation, Lease, Model, Status
from studio.provider.imaginepro.client import ImagineProClient
from studio.sandbox.imaginepro.services import sandbox_account_credits
from tests.support import run_to_final

HTMX = {"HX-Request": "true"}


def _wait_done(client: ImagineProClient, message_id: str, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if client.fetch_message(message_id).status == "DONE":
            return
        time.sleep(0.2)
    raise AssertionError(f"sandbox job {message_id} did not finish")


def make_history(key: ProviderKey) -> dict[str, str]:
    """A Midjourney grid, its U1 and a Flux image made at the provider (not through the
    studio). Returns messageId → what it is."""
    client = ImagineProClient(base_url=key.base_url, api_key=key.api_key)
    grid = client.imagine(prompt="a lighthouse at dusk").message_id
    flux = client.flux_imagine(prompt="a red fox in snow").message_id
    _wait_done(client, grid)
    upscale = client.button(message_id=grid, button="U1").message_id
    _wait_done(client, flux)
    _wait_done(client, upscale)
    return {grid: "grid", flux: "flux", upscale: "U1"}


@pytest.fixture
def history(alice_key, sandbox_url) -> dict[str, str]:
    return make_history(alice_key)


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def run_import(key: ProviderKey) -> dict:
    return tasks.import_history(str(key.pk))


# --- the task ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestImportTask:
    def test_each_item_once_across_two_imports_then_the_poller_stores_the_files(
        self, alice, alice_key, history
    ):
        spent = sandbox_account_credits(api_key=alice_key.api_key)

        first = run_import(alice_key)

        assert first["error"] == ""
        assert len(first["created"]) == 3
        assert first["pages"] == 1
        by_message = {g.message_id: g for g in Generation.objects.filter(user=alice)}
        assert set(by_message) == set(history)
        kinds = {
            history[message_id]: (g.model, g.action, g.button, g.endpoint)
            for message_id, g in by_message.items()
        }
        assert kinds == {
            "grid": (Model.MIDJOURNEY, Action.IMAGINE, "", "imagine"),
            "U1": (Model.MIDJOURNEY, Action.BUTTON, "U1", "button"),
            "flux": (Model.FLUX, Action.IMAGINE, "", "flux_imagine"),
        }
        for generation in by_message.values():
            assert generation.status == Status.SUBMITTED
            assert generation.cost == 0
            assert generation.params == {"imported": True}
            assert generation.provider_key == alice_key
            assert generation.is_sandbox
            assert generation.deadline_at > timezone.now() + timedelta(minutes=10)
        assert by_message[next(m for m, k in history.items() if k == "grid")].prompt == (
            "a lighthouse at dusk"
        )

        second = run_import(alice_key)

        assert second["created"] == []
        assert second["skipped"] == 3
        assert Generation.objects.count() == 3

        poller.poll_loop(start_download=assets.generation_download, seconds=15)

        images = {}
        for generation in Generation.objects.filter(user=alice).prefetch_related("assets"):
            assert generation.status == Status.DONE, generation.error
            images[history[generation.message_id]] = len(generation.images)
            assert all(asset.file and asset.bytes > 0 for asset in generation.images)
        assert images == {"grid": 4, "U1": 1, "flux": 1}
        grid = Generation.objects.get(message_id=next(m for m, k in history.items() if k == "grid"))
        assert "U1" in grid.buttons
        # Nothing more was spent: imported jobs were paid for when they were made.
        assert sandbox_account_credits(api_key=alice_key.api_key) == spent

    def test_what_the_studio_made_itself_is_not_imported_again(self, alice, alice_key, sandbox_url):
        made = services.midjourney_create(
            user=alice, provider_key=alice_key, prompt="a lighthouse at dusk", params={}
        )
        assert run_to_final(made).status == Status.DONE

        result = run_import(alice_key)

        assert result["created"] == []
        assert result["skipped"] == 1
        assert Generation.objects.get() == made

    def test_reads_page_by_page_until_a_short_page(self, alice_key, history, monkeypatch):
        monkeypatch.setattr(imaginepro_history, "PAGE_SIZE", 2)

        result = run_import(alice_key)

        assert result["pages"] == 2
        assert len(result["created"]) == 3
        assert not result["truncated"]

    def test_stops_at_the_page_cap(self, alice_key, history, monkeypatch):
        monkeypatch.setattr(imaginepro_history, "PAGE_SIZE", 1)
        monkeypatch.setattr(imaginepro_history, "MAX_PAGES", 2)

        result = run_import(alice_key)

        assert result["pages"] == 2
        assert result["truncated"]
        assert len(result["created"]) == 2
        # The newest two; a later import with a larger cap brings the third, once.
        monkeypatch.setattr(imaginepro_history, "MAX_PAGES", 5)
        assert len(run_import(alice_key)["created"]) == 1
        assert Generation.objects.count() == 3

    def test_a_refused_key_is_reported_and_nothing_is_created(self, alice, sandbox_url):
        key = ProviderKey(user=alice, name="Wrong", is_sandbox=True)
        key.set_api_key("sk-sandbox-never-issued-0000")
        key.save()

        result = run_import(key)

        assert result["created"] == []
        assert result["error"].startswith("The provider's history could not be read: ")
        assert "refused the API key" in result["error"]
        assert not Generation.objects.exists()

    def test_an_unreachable_provider_is_reported(self, alice_key, settings):
        settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/api/v1"

        result = run_import(alice_key)

        assert "Could not reach the provider." in result["error"]
        assert not Generation.objects.exists()

    def test_one_import_at_a_time_per_person(self, alice, alice_key, sandbox_url):
        Lease.objects.create(
            name=f"import-{alice.pk}", owner="another", until=timezone.now() + timedelta(minutes=1)
        )

        result = run_import(alice_key)

        assert result["error"] == "Another import is already running; try again in a minute."
        assert not Generation.objects.exists()

    def test_a_deleted_key_is_reported(self, db):
        result = tasks.import_history(str(uuid.uuid4()))

        assert result["error"] == "The key was deleted before the import ran."


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"type": "imagine"}, (Model.MIDJOURNEY, Action.IMAGINE, "imagine")),
        ({"type": "button", "button": "V2"}, (Model.MIDJOURNEY, Action.BUTTON, "button")),
        ({"type": "flux"}, (Model.FLUX, Action.IMAGINE, "flux_imagine")),
        ({"type": "FLUX_IMAGINE"}, (Model.FLUX, Action.IMAGINE, "flux_imagine")),
        ({"type": "upscale"}, (Model.FLUX, Action.UPSCALE, "flux_upscale")),
        ({"type": "remove-bg"}, (Model.TOOLS, Action.REMOVE_BG, "remove_bg")),
        ({"type": "universal"}, (Model.NANO_BANANA, Action.IMAGINE, "universal_imagine")),
        ({"type": "zimage"}, (Model.LUMI_GIRL, Action.IMAGINE, "zimage")),
        ({"type": "mj_video"}, (Model.VIDEO, Action.VIDEO, "video_generate")),
        ({"type": "describe"}, (Model.MIDJOURNEY, Action.DESCRIBE, "describe")),
        ({"type": "faceswap"}, (Model.TOOLS, Action.FACESWAP, "faceswap")),
        ({"type": "blend"}, (Model.MIDJOURNEY, Action.BLEND, "blend")),
        ({"type": "something-new"}, (Model.MIDJOURNEY, Action.IMAGINE, "imagine")),
        ({"type": "", "button": "U3"}, (Model.MIDJOURNEY, Action.BUTTON, "button")),
    ],
)
def test_history_types_map_to_the_closest_model(item, expected):
    assert imaginepro_history.classify(item) == expected


# --- the pages ----------------------------------------------------------------------------------


def status_url(html: str) -> str:
    return unescape(re.search(r'hx-get="(/import/status/\?since=\d+)"', html).group(1))


@pytest.mark.django_db(transaction=True)
class TestImportViews:
    def test_gallery_head_offers_the_import_with_my_keys(self, alice_client, alice_key):
        html = alice_client.get("/").content.decode()

        head = html[html.index('<div class="gallery-head">') : html.index('id="gallery-grid"')]
        assert 'action="/import/"' in head
        assert f'<option value="{alice_key.pk}">Sandbox · ImaginePro (sandbox)</option>' in head
        assert '<div id="import-status"></div>' in head

    def test_no_import_without_a_key(self, alice_client):
        assert 'action="/import/"' not in alice_client.get("/").content.decode()

    def test_start_queues_a_task_with_the_key_id_only(self, alice_client, alice_key, task_queue):
        response = alice_client.post("/import/", {"key": str(alice_key.pk)}, headers=HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="import-status"' in html and 'hx-trigger="every 2s"' in html
        assert "Import started from “Sandbox”" in html
        [queued] = task_queue.tasks()
        assert queued["func"] == enqueue.IMPORT
        assert queued["args"] == (str(alice_key.pk),)
        assert not Generation.objects.exists()  # the history is read by the task, not here

    def test_start_without_htmx_returns_to_the_gallery_saying_so(self, alice_client, alice_key):
        response = alice_client.post("/import/", {"key": str(alice_key.pk)}, follow=True)

        assert response.redirect_chain == [("/", 302)]
        html = response.content.decode()
        assert "Import started from “Sandbox”" in html
        assert status_url(html)  # the gallery follows the running import

    def test_still_running_keeps_polling(self, alice_client, alice_key):
        html = alice_client.post("/import/", {"key": str(alice_key.pk)}, headers=HTMX)
        response = alice_client.get(status_url(html.content.decode()), headers=HTMX)

        assert response.status_code == 200
        assert 'hx-trigger="every 2s"' in response.content.decode()

    def test_outcome_once_with_the_new_cards_then_quiet(
        self, alice_client, alice, alice_key, history, monkeypatch
    ):
        # django-q runs the task (and the poller it starts) inside the request here.
        monkeypatch.setattr(django_q.conf.Conf, "SYNC", True)
        started = alice_client.post("/import/", {"key": str(alice_key.pk)}, headers=HTMX)

        response = alice_client.get(status_url(started.content.decode()), headers=HTMX)

        assert response.status_code == 286  # stop polling
        html = unescape(response.content.decode())
        assert "Imported 3 new images from “Sandbox”" in html
        oob = html[html.index('hx-swap-oob="afterbegin:#gallery-grid"') :]
        for generation in Generation.objects.filter(user=alice):
            assert f'id="card-{generation.pk}"' in oob
            assert generation.status == Status.DONE, generation.error
        again = alice_client.get(status_url(started.content.decode()), headers=HTMX)
        assert again.status_code == 286
        assert again.content.decode().strip() == '<div id="import-status"></div>'

        second = alice_client.post("/import/", {"key": str(alice_key.pk)}, headers=HTMX)
        html = unescape(alice_client.get(status_url(second.content.decode())).content.decode())
        assert "Imported 0 new images" in html and "3 were already here" in html
        assert "hx-swap-oob" not in html
        assert Generation.objects.count() == 3

    def test_a_failed_import_says_why(self, alice_client, alice, sandbox_url, monkeypatch):
        key = ProviderKey(user=alice, name="Wrong", is_sandbox=True)
        key.set_api_key("sk-sandbox-never-issued-0000")
        key.save()
        monkeypatch.setattr(django_q.conf.Conf, "SYNC", True)
        started = alice_client.post("/import/", {"key": str(key.pk)}, headers=HTMX)

        html = unescape(alice_client.get(status_url(started.content.decode())).content.decode())

        assert 'class="flash flash-error"' in html
        assert "Import from “Wrong”: The provider's history could not be read" in html
        assert "refused the API key" in html

    def test_an_import_that_never_reports_gives_up(self, alice_client, alice_key):
        started = alice_client.post("/import/", {"key": str(alice_key.pk)}, headers=HTMX)
        session = alice_client.session
        state = session["studio_import"]
        state["started"] = (timezone.now() - timedelta(minutes=11)).isoformat()
        session["studio_import"] = state
        session.save()

        response = alice_client.get(status_url(started.content.decode()))

        assert response.status_code == 286
        assert "did not report back (is the worker running?)" in response.content.decode()

    def test_a_strangers_key_is_404_and_queues_nothing(self, charlie_client, alice_key, task_queue):
        response = charlie_client.post("/import/", {"key": str(alice_key.pk)})

        assert response.status_code == 404
        assert not task_queue.tasks()

    def test_a_malformed_key_is_404(self, alice_client, alice_key):
        assert alice_client.post("/import/", {"key": "nope"}).status_code == 404

    def test_anonymous_is_sent_to_log_in(self, client, alice_key, task_queue):
        for response in (
            client.post("/import/", {"key": str(alice_key.pk)}),
            client.get("/import/status/"),
        ):
            assert response.status_code == 302
            assert response.url.startswith("/accounts/login/")
        assert not task_queue.tasks()

    def test_start_is_post_only(self, alice_client):
        assert alice_client.get("/import/").status_code == 405
