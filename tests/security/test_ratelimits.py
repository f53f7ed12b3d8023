"""Rate limits a person notices: the 11th sign-in for one username from one address is
refused even with the right password (the rest of sign-in and password resets:
test_signin_abuse.py), sign-ups from one address stop, and submits over the limit make nothing and charge
nothing, with a sentence on the page (or in the gallery, for htmx)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from studio.credits.models import LedgerEntry
from studio.generation.models import Generation, Model, Status
from studio.web import ratelimits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ratelimit_clock")]

PASSWORD = "correct-horse-42"  # tests/conftest.py's users
FLUX = {"prompt": "a paper boat", "n": "1", "aspect_ratio": "1:1", "output_format": "png"}


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(response) -> bool:
    return response.wsgi_request.user.is_authenticated


class TestLogin:
    def test_the_eleventh_attempt_is_refused_even_with_the_right_password(self, alice):
        client = Client()
        for _ in range(10):
            wrong = log_in(client, "alice", "not-her-password")
            assert wrong.status_code == 200 and not signed_in(wrong)
        refused = log_in(client, "alice", PASSWORD)
        page = refused.content.decode()
        assert refused.status_code == 429
        assert "Too many sign-in attempts from your address. Try again in" in page
        assert int(refused["Retry-After"]) > 0
        assert 'value="alice"' in page  # the username as typed
        assert not signed_in(refused)
        assert "_auth_user_id" not in client.session

    def test_the_limit_follows_the_address_across_usernames(self, alice):
        for number in range(40):
            log_in(Client(), f"someone{number}", "guess")
        refused = log_in(Client(), "alice", PASSWORD)
        assert refused.status_code == 429 and not signed_in(refused)
        # Another address is not concerned.
        assert log_in(Client(), "alice", PASSWORD, address="10.9.9.9").status_code == 302

    def test_under_the_limit_the_right_password_signs_in(self, alice):
        for _ in range(9):
            log_in(Client(), "alice", "guess")
        assert log_in(Client(), "alice", PASSWORD).status_code == 302


def test_signups_from_one_address_stop_at_the_limit(settings):
    settings.RATELIMIT_SIGNUP = "3/m"

    def sign_up(name):
        data = {
            "username": name,
            "email": f"{name}@example.com",
            "password1": "quiet-river-93",
            "password2": "quiet-river-93",
        }
        return Client().post(reverse("signup"), data, REMOTE_ADDR="10.0.3.1")

    assert [sign_up(f"user{n}").status_code for n in range(3)] == [302, 302, 302]
    refused = sign_up("user3")
    assert refused.status_code == 429
    assert ratelimits.SIGNUP_SENTENCE in refused.content.decode()
    assert 'value="user3"' in refused.content.decode()
    assert not User.objects.filter(username="user3").exists()


class TestSubmits:
    @pytest.fixture(autouse=True)
    def _three_a_minute(self, settings):
        settings.RATELIMIT_SUBMIT = "3/m"

    def test_a_form_over_the_limit_creates_and_charges_nothing(self, alice_client, alice_key):
        url = reverse("generation:flux_new")
        data = {**FLUX, "key": alice_key.pk}
        assert [alice_client.post(url, data).status_code for _ in range(3)] == [302] * 3
        charged = LedgerEntry.objects.count()

        refused = alice_client.post(url, {**data, "prompt": "a fourth paper boat"})
        page = refused.content.decode()
        assert refused.status_code == 429
        assert ratelimits.SUBMIT_SENTENCE in page
        assert "a fourth paper boat" in page  # the form as typed
        assert Generation.objects.count() == 3
        assert LedgerEntry.objects.count() == charged

    def test_button_presses_share_the_limit_and_htmx_gets_the_sentence(
        self, alice, alice_client, alice_key
    ):
        parent = Generation.objects.create(
            user=alice,
            provider_key=alice_key,
            is_sandbox=True,
            model=Model.MIDJOURNEY,
            prompt="a red kite",
            status=Status.DONE,
            message_id="m-1",
            buttons=["U1", "U2", "U3", "U4"],
        )
        press = reverse("generation:press", args=[parent.pk])
        htmx = {"HX-Request": "true"}
        for button in ("U1", "U2", "U3"):
            assert alice_client.post(press, {"button": button}, headers=htmx).status_code == 200
        made = Generation.objects.count()

        refused = alice_client.post(press, {"button": "U4"}, headers=htmx)
        assert refused.status_code == 429
        assert ratelimits.SUBMIT_SENTENCE in refused.content.decode()
        assert Generation.objects.count() == made
        # A form now is over the limit too: one budget for every way of submitting.
        form = alice_client.post(reverse("generation:flux_new"), {**FLUX, "key": alice_key.pk})
        assert form.status_code == 429

    def test_the_limit_is_per_person(self, alice_client, alice_key, charlie):
        from studio.accounts.services import sandbox_key_create

        url = reverse("generation:flux_new")
        for _ in range(4):
            alice_client.post(url, {**FLUX, "key": alice_key.pk})
        charlie_client = Client()
        charlie_client.force_login(charlie)
        charlie_key = sandbox_key_create(user=charlie)
        assert charlie_client.post(url, {**FLUX, "key": charlie_key.pk}).status_code == 302
