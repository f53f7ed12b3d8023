"""The keys page: the sandbox, a real ImaginePro key (checked first), renaming, deleting,
and the rule that a key's plaintext is never shown or logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from studio.accounts.models import ProviderKey
from studio.sandbox.imaginepro.services import sandbox_account_create

KEYS = "/accounts/keys/"
UNREACHABLE = "http://127.0.0.1:9/api/v1"  # discard port: nothing listens there


@pytest.fixture
def imaginepro_is_sandbox(live_server, settings) -> str:
    """Make the "real" provider the sandbox served by live_server."""
    url = f"{live_server.url}/sandbox/imaginepro/api/v1"
    settings.IMAGINEPRO_BASE_URL = url
    return url


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
class TestKeysPage:
    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get(KEYS)

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/accounts/keys/")

    def test_without_keys_offers_both_ways(self, alice_client):
        html = alice_client.get(KEYS).content.decode()

        assert "You have no key yet" in html
        assert 'id="use-sandbox"' in html
        assert 'name="api_key"' in html


@pytest.mark.django_db
class TestSandbox:
    def test_creates_a_sandbox_key_and_goes_to_the_gallery(self, alice_client, alice):
        response = alice_client.post("/accounts/keys/sandbox/")

        assert response.status_code == 302
        assert response["Location"] == "/"
        key = ProviderKey.objects.get(user=alice)
        assert key.is_sandbox is True
        assert key.api_key.startswith("sk-sandbox-")

    def test_goes_back_to_the_page_that_asked_for_a_key(self, alice_client):
        response = alice_client.post("/accounts/keys/sandbox/", {"next": "/new/flux/"})

        assert response.status_code == 302
        assert response["Location"] == "/new/flux/"

    def test_page_shows_it_as_sandbox_masked_to_its_last_four(self, alice_client, alice):
        alice_client.post("/accounts/keys/sandbox/")
        key = ProviderKey.objects.get(user=alice)

        html = alice_client.get(KEYS).content.decode()

        assert "Sandbox (simulated)" in html
        assert f"••••{key.api_key[-4:]}" in html
        # In full only in the copyable field for outside clients (a simulated account).
        assert html.count(key.api_key) == 1
        assert f'readonly id="sandbox-key-{key.pk}" value="{key.api_key}"' in html
        assert key.api_key_encrypted not in html

    def test_next_pointing_to_another_site_is_not_followed(self, alice_client):
        response = alice_client.post(
            "/accounts/keys/sandbox/", {"next": "https://evil.example/phish"}
        )

        assert response.status_code == 302
        assert not response["Location"].startswith("https://evil.example")


@pytest.mark.django_db(transaction=True)
class TestAddRealKey:
    def test_accepted_key_is_saved_encrypted(self, alice_client, alice, imaginepro_is_sandbox):
        plaintext = sandbox_account_create(label="x")

        response = alice_client.post(
            KEYS, {"name": "My ImaginePro", "api_key": plaintext}, follow=True
        )

        assert response.redirect_chain == [(KEYS, 302)]
        assert "Key saved. ImaginePro accepted it." in _messages(response)
        key = ProviderKey.objects.get(user=alice)
        assert key.name == "My ImaginePro"
        assert key.is_sandbox is False
        assert plaintext not in key.api_key_encrypted
        assert plaintext[-8:] not in key.api_key_encrypted
        assert key.api_key == plaintext
        assert key.last4 == plaintext[-4:]
        html = response.content.decode()
        assert f"••••{plaintext[-4:]}" in html
        assert plaintext not in html

    def test_accepted_key_returns_to_next(self, alice_client, imaginepro_is_sandbox):
        plaintext = sandbox_account_create(label="x")

        response = alice_client.post(
            f"{KEYS}?next=/new/midjourney/", {"name": "Work", "api_key": plaintext}
        )

        assert response.status_code == 302
        assert response["Location"] == "/new/midjourney/"

    def test_rejected_key_shows_401_and_saves_nothing(
        self, alice_client, alice, imaginepro_is_sandbox
    ):
        response = alice_client.post(KEYS, {"name": "Wrong", "api_key": "sk-wrong-key-123456"})

        assert response.status_code == 400
        errors = response.context["form"].errors["api_key"]
        assert any("401" in error for error in errors)
        assert "401" in response.content.decode()
        assert not ProviderKey.objects.filter(user=alice).exists()
        # The password input is not filled in again with what was typed.
        assert "sk-wrong-key-123456" not in response.content.decode()


@pytest.mark.django_db
class TestAddRealKeyOffline:
    def test_unreachable_provider_saves_with_a_warning(self, alice_client, alice, settings):
        settings.IMAGINEPRO_BASE_URL = UNREACHABLE

        response = alice_client.post(
            KEYS, {"name": "Later", "api_key": "sk-live-abcdef123456"}, follow=True
        )

        assert response.redirect_chain == [(KEYS, 302)]
        [message] = _messages(response)
        assert "could not be checked" in message
        key = ProviderKey.objects.get(user=alice)
        assert key.is_sandbox is False
        assert key.api_key == "sk-live-abcdef123456"
        assert key.last4 == "3456"

    def test_text_that_is_not_a_key_is_refused_before_any_call(self, alice_client, alice):
        response = alice_client.post(KEYS, {"name": "Oops", "api_key": "my key"})

        assert response.status_code == 400
        assert response.context["form"].errors["api_key"] == ["That does not look like an API key."]
        assert not ProviderKey.objects.exists()

    def test_next_pointing_to_another_site_is_not_followed(self, alice_client, settings):
        settings.IMAGINEPRO_BASE_URL = UNREACHABLE

        response = alice_client.post(
            f"{KEYS}?next=https://evil.example/phish",
            {"name": "Later", "api_key": "sk-live-abcdef123456"},
        )

        assert response.status_code == 302
        assert not response["Location"].startswith("https://evil.example")


@pytest.mark.django_db
class TestRename:
    def test_owner_renames_a_key(self, alice_client, alice_key):
        response = alice_client.post(
            f"/accounts/keys/{alice_key.pk}/rename/", {"name": "Playground"}, follow=True
        )

        assert "Key renamed." in _messages(response)
        alice_key.refresh_from_db()
        assert alice_key.name == "Playground"
        assert 'value="Playground"' in response.content.decode()

    def test_empty_name_is_refused(self, alice_client, alice_key):
        response = alice_client.post(
            f"/accounts/keys/{alice_key.pk}/rename/", {"name": ""}, follow=True
        )

        assert "A key needs a name of at most 80 characters." in _messages(response)
        alice_key.refresh_from_db()
        assert alice_key.name == "Sandbox"

    def test_stranger_gets_404(self, charlie_client, alice_key):
        response = charlie_client.post(
            f"/accounts/keys/{alice_key.pk}/rename/", {"name": "Mine now"}
        )

        assert response.status_code == 404
        alice_key.refresh_from_db()
        assert alice_key.name == "Sandbox"


@pytest.mark.django_db
class TestDelete:
    def test_owner_deletes_a_key(self, alice_client, alice_key):
        response = alice_client.post(f"/accounts/keys/{alice_key.pk}/delete/", follow=True)

        assert "Key “Sandbox” deleted." in _messages(response)
        assert not ProviderKey.objects.filter(pk=alice_key.pk).exists()
        assert "You have no key yet" in response.content.decode()

    def test_get_does_not_delete(self, alice_client, alice_key):
        response = alice_client.get(f"/accounts/keys/{alice_key.pk}/delete/")

        assert response.status_code == 405
        assert ProviderKey.objects.filter(pk=alice_key.pk).exists()

    def test_stranger_gets_404(self, charlie_client, alice_key):
        response = charlie_client.post(f"/accounts/keys/{alice_key.pk}/delete/")

        assert response.status_code == 404
        assert ProviderKey.objects.filter(pk=alice_key.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_key_never_appears_in_logs(alice_client, alice, caplog, sandbox_url, settings):
    """Saving a key (checked over HTTP) and submitting a generation with it log nothing secret."""
    from studio.generation.models import Generation, Status
    from studio.generation.submit import generation_submit

    settings.IMAGINEPRO_BASE_URL = sandbox_url
    caplog.set_level(logging.DEBUG)
    plaintext = sandbox_account_create(label="logs")

    alice_client.post(KEYS, {"name": "Logged?", "api_key": plaintext})
    alice_client.post(KEYS, {"name": "Wrong", "api_key": "sk-wrong-key-123456"})
    key = ProviderKey.objects.get(user=alice)
    alice_client.post(
        "/new/midjourney/", {"prompt": "a quiet harbour", "speed": "fast", "key": key.pk}
    )
    generation = Generation.objects.get(user=alice)
    assert generation_submit(generation.pk) == Status.SUBMITTED

    assert caplog.records, "nothing was logged, so the check below proves nothing"
    assert plaintext not in caplog.text
    assert plaintext[len("sk-sandbox-") :] not in caplog.text
    assert "sk-wrong-key-123456" not in caplog.text
