"""Help around the prompt and the account, over the real sandbox: Enhance beside a prompt,
the prompt check (asked by the submit task: tests/generation/test_prompt_check.py), Boost,
and the balance in the header.

Failures come from real network conditions: a key the sandbox does not know (401), a port
nobody listens on, and a server that accepts connections and never answers.
"""

from __future__ import annotations

import re
import socket
import threading
from html import unescape

import pytest
from django.test import Client

from studio.accounts.models import ProviderKey
from studio.accounts.services import sandbox_key_create
from studio.generation import assist, services
from studio.generation.models import Generation, Status
from studio.sandbox.imaginepro.services import sandbox_account_credits
from studio.sandbox.models import SandboxAccount, SandboxJob
from tests.factories import ProviderKeyFactory
from tests.support import run_to_final

HTMX = {"HX-Request": "true"}


def enhanced_of(html: str) -> str | None:
    match = re.search(r'data-enhanced-prompt="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def bogus_key(alice) -> ProviderKey:
    """A sandbox key the sandbox has never issued: every call answers 401."""
    return ProviderKeyFactory(user=alice, unissued=True)


@pytest.fixture
def nobody_listens(settings) -> None:
    """Sandbox keys point at a port where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SANDBOX_BASE_URL = f"http://127.0.0.1:{port}/api/v1"


@pytest.fixture
def silent_server(settings, monkeypatch):
    """Sandbox keys point at a server that accepts connections and never answers; the
    synchronous calls' read timeout is shortened so the test waits half a second."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.SANDBOX_BASE_URL = f"http://127.0.0.1:{server.getsockname()[1]}/api/v1"
    monkeypatch.setattr(assist, "ASSIST_TIMEOUT", (1.0, 0.5))
    yield
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def mj_post(client, key, prompt: str, **fields):
    data = {"prompt": prompt, "speed": "fast", "key": str(key.pk), **fields}
    return client.post("/new/midjourney/", data)


# --- Enhance ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestEnhance:
    def test_answers_with_the_longer_prompt(self, alice_client, alice_key, sandbox_url):
        response = alice_client.post(
            "/assist/enhance/",
            {"field": "prompt", "prompt": "a lighthouse at dusk", "key": str(alice_key.pk)},
            headers=HTMX,
        )

        assert response.status_code == 200
        enhanced = enhanced_of(response.content.decode())
        assert enhanced.startswith("a lighthouse at dusk, ")
        assert len(enhanced) > len("a lighthouse at dusk") + 20
        assert "Undo brings your text back" in response.content.decode()

    def test_reads_the_field_it_is_told_and_keeps_urls_and_flags(
        self, alice_client, alice_key, sandbox_url
    ):
        typed = "https://example.com/ref.png a red fox --ar 16:9 --chaos 10"
        response = alice_client.post(
            "/assist/enhance/",
            {"field": "text", "text": typed, "prompt": "ignored", "key": str(alice_key.pk)},
            headers=HTMX,
        )

        enhanced = enhanced_of(response.content.decode())
        assert enhanced.startswith("https://example.com/ref.png a red fox, ")
        assert enhanced.endswith(" --ar 16:9 --chaos 10")

    def test_without_a_chosen_key_uses_the_persons_last_key(
        self, alice_client, alice_key, sandbox_url
    ):
        response = alice_client.post(
            "/assist/enhance/", {"field": "prompt", "prompt": "a cat"}, headers=HTMX
        )

        assert enhanced_of(response.content.decode()).startswith("a cat, ")

    def test_is_free(self, alice_client, alice_key, sandbox_url):
        alice_client.post(
            "/assist/enhance/",
            {"field": "prompt", "prompt": "a cat", "key": str(alice_key.pk)},
            headers=HTMX,
        )

        assert sandbox_account_credits(api_key=alice_key.api_key) == 1000

    def test_with_no_key_at_all_says_what_to_do(self, alice_client):
        response = alice_client.post(
            "/assist/enhance/", {"field": "prompt", "prompt": "a cat"}, headers=HTMX
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert enhanced_of(html) is None
        assert "Add an ImaginePro key" in html

    def test_empty_prompt_asks_for_words(self, alice_client, alice_key, sandbox_url):
        response = alice_client.post(
            "/assist/enhance/",
            {"field": "prompt", "prompt": "  --ar 2:3", "key": str(alice_key.pk)},
            headers=HTMX,
        )

        html = response.content.decode()
        assert enhanced_of(html) is None
        assert "nothing to enhance yet" in html

    def test_refused_key_leaves_the_text_and_says_why(self, alice_client, bogus_key, sandbox_url):
        response = alice_client.post(
            "/assist/enhance/",
            {"field": "prompt", "prompt": "a cat", "key": str(bogus_key.pk)},
            headers=HTMX,
        )

        html = unescape(response.content.decode())
        assert response.status_code == 200  # htmx swaps 200s only: the message must show
        assert enhanced_of(html) is None
        assert "Could not enhance the prompt: The provider refused the API key" in html
        assert "Your text is unchanged." in html

    def test_unreachable_provider_leaves_the_text(self, alice_client, alice_key, nobody_listens):
        response = alice_client.post(
            "/assist/enhance/",
            {"field": "prompt", "prompt": "a cat", "key": str(alice_key.pk)},
            headers=HTMX,
        )

        html = response.content.decode()
        assert enhanced_of(html) is None
        assert "Could not reach the provider." in html

    def test_silent_provider_times_out(self, alice_client, alice_key, silent_server):
        response = alice_client.post(
            "/assist/enhance/",
            {"field": "prompt", "prompt": "a cat", "key": str(alice_key.pk)},
            headers=HTMX,
        )

        html = response.content.decode()
        assert enhanced_of(html) is None
        assert "did not answer in time" in html

    def test_a_strangers_key_is_404(self, charlie_client, alice_key):
        response = charlie_client.post(
            "/assist/enhance/", {"field": "prompt", "prompt": "a cat", "key": str(alice_key.pk)}
        )

        assert response.status_code == 404

    def test_a_malformed_key_is_404(self, alice_client, alice_key):
        response = alice_client.post(
            "/assist/enhance/", {"field": "prompt", "prompt": "a cat", "key": "nope"}
        )

        assert response.status_code == 404

    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.post("/assist/enhance/", {"prompt": "a cat"})

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")

    def test_get_is_not_allowed(self, alice_client):
        assert alice_client.get("/assist/enhance/").status_code == 405

    @pytest.mark.parametrize("url", ["/new/midjourney/", "/new/flux/"])
    def test_sits_beside_the_prompt_of_the_forms(self, alice_client, alice_key, url):
        html = alice_client.get(url).content.decode()

        assert 'data-enhance-field="id_prompt"' in html
        assert 'hx-post="/assist/enhance/"' in html
        assert "js/enhance.js" in html
        # The prompt is still one labelled textarea.
        assert html.count('name="prompt"') == 1


def test_split_prompt_keeps_midjourney_syntax_apart():
    assert assist.split_prompt("https://a.png  a cat —ar 16:9") == (
        "https://a.png",
        "a cat",
        "—ar 16:9",
    )
    assert assist.split_prompt("a well--known cat") == ("", "a well--known cat", "")
    assert assist.split_prompt("--ar 1:1") == ("", "", "--ar 1:1")


# --- Prompt check -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestPromptCheck:
    def test_prompt_refusal_gives_the_providers_reason(self, alice_key, sandbox_url, settings):
        settings.SANDBOX_BANNED_WORDS = ["dragonfruit"]

        reason = assist.prompt_refusal(alice_key, "a dragonfruit on a plate --ar 1:1")

        assert reason and "dragonfruit" in reason
        assert assist.prompt_refusal(alice_key, "an apple on a plate") is None

    def test_the_task_checks_the_composed_prompt_with_its_fields(
        self, alice_client, alice_key, sandbox_url, settings
    ):
        settings.SANDBOX_BANNED_WORDS = ["dragonfruit"]

        response = mj_post(alice_client, alice_key, "a still life", avoid="dragonfruit")

        assert response.status_code == 302  # the form asks the provider nothing
        generation = run_to_final(Generation.objects.get())
        assert generation.status == Status.FAILED
        assert generation.error.startswith("Midjourney would refuse this prompt: ")
        assert "dragonfruit" in generation.error
        assert not SandboxJob.objects.exists()
        assert sandbox_account_credits(api_key=alice_key.api_key) == 1000

    def test_accepted_prompt_is_queued(self, alice_client, alice_key, sandbox_url):
        response = mj_post(alice_client, alice_key, "a lighthouse at dusk")

        assert response.status_code == 302
        assert Generation.objects.get().prompt == "a lighthouse at dusk"

    @pytest.mark.parametrize("provider", ["nobody_listens", "silent_server"])
    def test_the_form_does_not_need_the_provider(self, alice_client, alice_key, provider, request):
        request.getfixturevalue(provider)

        response = mj_post(alice_client, alice_key, "a lighthouse at dusk")

        assert response.status_code == 302
        assert Generation.objects.get().status == Status.QUEUED


# --- Boost --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestBoost:
    def test_boost_goes_to_the_boost_route(self, alice_client, alice_key, sandbox_url):
        response = mj_post(alice_client, alice_key, "a lighthouse at dusk", boost="on")

        assert response.status_code == 302
        generation = Generation.objects.get()
        assert generation.endpoint == "boost_imagine"
        assert generation.params["boost"] is True
        assert generation.cost == 10  # price not published: counted like a fast imagine
        generation = run_to_final(generation)
        assert generation.status == Status.DONE, generation.error
        assert len(generation.images) == 4
        assert SandboxJob.objects.get(pk=generation.message_id).endpoint == "nova/boost/imagine"

    def test_without_boost_the_usual_route(self, alice_client, alice_key, sandbox_url):
        mj_post(alice_client, alice_key, "a lighthouse at dusk")

        generation = run_to_final(Generation.objects.get())
        assert generation.endpoint == "imagine"
        assert not generation.params.get("boost")
        assert SandboxJob.objects.get(pk=generation.message_id).endpoint == "nova/imagine"

    def test_form_offers_boost_with_its_caveat(self, alice_client, alice_key):
        html = alice_client.get("/new/midjourney/").content.decode()

        assert 'name="boost"' in html
        assert "Its price is not published" in html


# --- Balance in the header ----------------------------------------------------------------------


def credits_of(html: str) -> str:
    match = re.search(r'data-balance="([^"]*)"', html)
    return match.group(1) if match else ""


@pytest.mark.django_db(transaction=True)
class TestCredits:
    def test_header_loads_the_balance_after_the_page(self, alice_client, alice_key):
        html = alice_client.get("/").content.decode()

        header = re.search(r'<li id="credits"[^>]*>', html).group(0)
        assert 'hx-get="/assist/credits/"' in header
        assert "load" in header and "credits-changed from:body" in header
        assert "generation-finished from:body" in header

    def test_anonymous_pages_have_no_balance(self, client):
        html = client.get("/accounts/login/").content.decode()

        assert 'id="credits"' not in html

    def test_shows_the_sandbox_accounts_credits(self, alice_client, alice_key, sandbox_url):
        response = alice_client.get("/assist/credits/", headers=HTMX)

        html = response.content.decode()
        assert credits_of(html) == "1000"
        assert "1,000 credits" in html
        assert 'class="badge sandbox"' in html
        assert 'href="/prices/"' in html
        assert "no-cache" in response["Cache-Control"]

    def test_drops_after_a_finished_generation(self, alice_client, alice, alice_key, sandbox_url):
        assert credits_of(alice_client.get("/assist/credits/").content.decode()) == "1000"

        generation = services.midjourney_create(
            user=alice, provider_key=alice_key, prompt="a lighthouse at dusk", params={}
        )
        assert run_to_final(generation).status == Status.DONE

        html = alice_client.get("/assist/credits/").content.decode()
        assert credits_of(html) == "990"
        assert credits_of(html) == str(sandbox_account_credits(api_key=alice_key.api_key))

    def test_is_reused_briefly_rather_than_asked_each_page(
        self, alice_client, alice_key, sandbox_url
    ):
        alice_client.get("/assist/credits/")
        SandboxAccount.objects.update(credits=123)

        assert credits_of(alice_client.get("/assist/credits/").content.decode()) == "1000"
        assist.balance_forget(alice_key)
        assert credits_of(alice_client.get("/assist/credits/").content.decode()) == "123"

    def test_a_submit_forgets_the_cached_balance(self, alice_client, alice_key, sandbox_url):
        alice_client.get("/assist/credits/")
        SandboxAccount.objects.update(credits=500)

        mj_post(alice_client, alice_key, "a lighthouse at dusk")

        assert credits_of(alice_client.get("/assist/credits/").content.decode()) == "500"

    def test_follows_the_key_used_last(self, alice_client, alice, alice_key, sandbox_url):
        other = sandbox_key_create(user=alice)
        SandboxAccount.objects.filter(key_last4=other.last4).update(credits=77)
        services.midjourney_create(user=alice, provider_key=alice_key, prompt="a", params={})

        assert credits_of(alice_client.get("/assist/credits/").content.decode()) == "1000"
        services.midjourney_create(user=alice, provider_key=other, prompt="b", params={})
        assert credits_of(alice_client.get("/assist/credits/").content.decode()) == "77"

    def test_quiet_without_a_key(self, alice_client):
        html = alice_client.get("/assist/credits/").content.decode()

        assert "data-balance" not in html
        assert "credit" not in html
        assert 'href="/prices/"' in html

    def test_unavailable_balance_says_so(self, alice_client, bogus_key, sandbox_url):
        html = alice_client.get("/assist/credits/").content.decode()

        assert "balance unavailable" in html
        assert credits_of(html) == "unavailable"

    def test_unreachable_provider_says_unavailable(self, alice_client, alice_key, nobody_listens):
        html = alice_client.get("/assist/credits/").content.decode()

        assert "balance unavailable" in html

    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get("/assist/credits/")

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
