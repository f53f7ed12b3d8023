"""ImagineLab accounts from the Keys page, against the ImagineLab sandbox over HTTP: the
sandbox account's sign-in shown and usable, sign-up, forgot password, "who am I"."""

from __future__ import annotations

import pytest

from studio.accounts.models import ProviderKey

KEYS = "/accounts/keys/"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db(transaction=True)
def test_the_lab_sandbox_shows_its_sign_in_and_that_sign_in_works(alice_client, alice, sandbox_url):
    alice_client.post("/accounts/keys/imaginelab/sandbox/")
    key = ProviderKey.objects.get(user=alice, provider="imaginelab")
    assert key.login_email.endswith("@sandbox.invalid") and key.sandbox_password

    html = alice_client.get(KEYS).content.decode()
    assert f'value="{key.login_email}"' in html
    assert f'value="{key.sandbox_password}"' in html
    assert f'value="{key.api_key}"' in html

    # The shown email and password sign in at the sandbox: a second, token key.
    response = alice_client.post(
        "/accounts/keys/imaginelab/sign-in/",
        {
            "signin-name": "Lab by sign-in",
            "signin-email": key.login_email,
            "signin-password": key.sandbox_password,
            "signin-sandbox": "on",
        },
    )
    assert response.status_code == 302
    signed_in = ProviderKey.objects.get(user=alice, name="Lab by sign-in")
    assert signed_in.auth == ProviderKey.AUTH_TOKEN and signed_in.sandbox_password == ""


@pytest.mark.django_db(transaction=True)
def test_sign_up_creates_the_account_signs_in_and_a_taken_email_is_refused(
    alice_client, alice, sandbox_url
):
    form = {
        "signup-name": "My lab",
        "signup-email": "new-person@example.com",
        "signup-password": "long enough 1",
        "signup-sandbox": "on",
    }
    response = alice_client.post("/accounts/keys/imaginelab/sign-up/", form, follow=True)
    assert "ImagineLab account created; signed in as new-person@example.com." in _messages(response)
    key = ProviderKey.objects.get(user=alice, name="My lab")
    assert (key.auth, key.login_email, key.is_sandbox) == (
        ProviderKey.AUTH_TOKEN,
        "new-person@example.com",
        True,
    )

    # "Who am I?" on that key asks ImagineLab which account it opens.
    response = alice_client.post(f"/accounts/keys/{key.pk}/who-am-i/", follow=True)
    [said] = _messages(response)
    assert said.startswith("ImagineLab says “My lab” opens the account new-person@example.com")

    again = alice_client.post("/accounts/keys/imaginelab/sign-up/", form)
    assert again.status_code == 400
    assert (
        "ImagineLab did not create the account: Email already registered" in again.content.decode()
    )
    assert ProviderKey.objects.filter(user=alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_short_password_is_refused_on_the_form(alice_client, alice, sandbox_url):
    response = alice_client.post(
        "/accounts/keys/imaginelab/sign-up/",
        {"signup-name": "x", "signup-email": "a@example.com", "signup-password": "short"},
    )
    assert response.status_code == 400
    assert "Ensure this value has at least 8 characters" in response.content.decode()
    assert not ProviderKey.objects.filter(user=alice).exists()


@pytest.mark.django_db(transaction=True)
def test_forgot_password_shows_imaginelabs_answer(alice_client, sandbox_url):
    response = alice_client.post(
        "/accounts/keys/imaginelab/forgot-password/",
        {"forgot-email": "someone@example.com", "forgot-sandbox": "on"},
        follow=True,
    )
    assert _messages(response) == [
        "ImagineLab says: If the email is registered, a reset link has been sent."
    ]


@pytest.mark.django_db(transaction=True)
def test_who_am_i_is_for_ones_own_imaginelab_keys_only(alice_client, charlie, sandbox_url):
    from studio.accounts import services

    theirs = services.lab_sandbox_key_create(user=charlie)
    assert alice_client.post(f"/accounts/keys/{theirs.pk}/who-am-i/").status_code == 404
