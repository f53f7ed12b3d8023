"""ImagineLab credentials on the Keys page: a dedicated API key, a sign-in whose password is
never kept, the sandbox in one click, and an expired sign-in that makes work wait until the
person signs in again (the sandbox over real HTTP)."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import assets, poller
from studio.generation.models import Generation, Status
from studio.generation.submit import generation_submit
from studio.imaginelab import services
from studio.sandbox.imaginelab.services import expire_tokens
from tests.imaginelab.conftest import lab_form

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sandbox_in_one_click_gives_a_working_key(alice_client, lab_key):
    assert lab_key.is_sandbox and lab_key.auth == "key"
    page = alice_client.get(reverse("keys")).content.decode()
    assert "ImagineLab sandbox" in page and lab_key.masked in page
    assert services.wallet_balance(lab_key) > 0


def test_a_dedicated_api_key_is_checked_then_stored_encrypted(alice, alice_client, lab_account):
    refused = alice_client.post(
        reverse("key_lab"),
        {"lab-name": "Lab", "lab-api_key": "lab-sk-not-a-real-key-000", "lab-sandbox": "on"},
    )
    assert refused.status_code == 400
    assert "ImagineLab did not accept this key" in refused.content.decode()
    assert not ProviderKey.objects.filter(user=alice).exists()
    saved = alice_client.post(
        reverse("key_lab"),
        {"lab-name": "Lab", "lab-api_key": lab_account.api_key, "lab-sandbox": "on"},
    )
    assert saved.status_code == 302
    key = ProviderKey.objects.get(user=alice)
    assert key.provider == "imaginelab" and key.auth == "key" and key.is_sandbox
    assert lab_account.api_key not in key.api_key_encrypted
    assert key.api_key == lab_account.api_key and key.last4 == lab_account.api_key[-4:]


def test_signing_in_stores_the_token_never_the_password(alice, alice_client, lab_account, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = alice_client.post(
        reverse("key_lab_sign_in"),
        {
            "signin-name": "Lab",
            "signin-email": lab_account.email,
            "signin-password": "not-the-password",
            "signin-sandbox": "on",
        },
    )
    assert wrong.status_code == 400
    assert "did not accept this email and password" in wrong.content.decode()
    assert not ProviderKey.objects.filter(user=alice).exists()

    response = alice_client.post(
        reverse("key_lab_sign_in"),
        {
            "signin-name": "Lab",
            "signin-email": lab_account.email,
            "signin-password": lab_account.password,
            "signin-sandbox": "on",
        },
    )
    assert response.status_code == 302
    key = ProviderKey.objects.get(user=alice)
    assert key.auth == "token" and key.login_email == lab_account.email
    assert key.api_key.startswith("labtok_")  # the sandbox's token, encrypted at rest
    page = alice_client.get(reverse("keys")).content.decode()
    assert lab_account.email in page and lab_account.password not in page

    # The password is nowhere: no column of any row of any table, no log line.
    for model in apps.get_models():
        for row in model.objects.all().values():
            assert lab_account.password not in repr(row), model.__name__
    assert lab_account.password not in caplog.text


def test_an_expired_sign_in_makes_the_work_wait_then_go_on(
    alice, alice_client, lab_account, lab_token_key
):
    response = lab_form(alice_client, "image", lab_token_key, "seedream-5.0-lite", "a quay")
    assert response.status_code == 302
    generation = Generation.objects.get(prompt="a quay")
    expire_tokens(lab_account.email)

    # The submit is not sent: the generation waits, queued, with a note, far from its deadline.
    assert generation_submit(generation.pk) == Status.QUEUED
    generation.refresh_from_db()
    lab_token_key.refresh_from_db()
    assert lab_token_key.needs_login_since is not None
    assert generation.status == Status.QUEUED and not generation.message_id
    assert generation.status_note == "waiting: sign in to ImagineLab again"
    assert (generation.deadline_at - timezone.now()).total_seconds() > generation.timeout
    assert generation.next_poll_at > timezone.now()
    poller.poll_loop(start_download=assets.generation_download, seconds=1)
    generation.refresh_from_db()
    assert generation.status == Status.QUEUED  # still waiting, nothing sent

    # The Keys page and the gallery say so, each with a sign-in form.
    keys_page = alice_client.get(reverse("keys")).content.decode()
    assert "Sign in to ImagineLab again" in keys_page
    gallery = alice_client.get(reverse("generation:gallery")).content.decode()
    assert "waiting: sign in to ImagineLab again" in gallery
    assert reverse("key_lab_sign_in_again", args=[lab_token_key.pk]) in gallery

    # Signing in again replaces the token and lets the work go on by itself.
    old_token = lab_token_key.api_key
    response = alice_client.post(
        reverse("key_lab_sign_in_again", args=[lab_token_key.pk]),
        {"email": lab_account.email, "password": lab_account.password, "next": "/"},
    )
    assert response.status_code == 302
    lab_token_key.refresh_from_db()
    assert lab_token_key.needs_login_since is None and lab_token_key.api_key != old_token
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    generation.refresh_from_db()
    assert generation.status == Status.DONE, generation.error
    assert generation.images


def test_polls_pause_on_an_expired_sign_in_too(alice, alice_client, lab_account, lab_token_key):
    lab_form(alice_client, "text", lab_token_key, "scribe-1", "a poem about ropes")
    generation = Generation.objects.get(prompt="a poem about ropes")
    assert generation_submit(generation.pk) == Status.SUBMITTED
    expire_tokens(lab_account.email)
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    poller.poll_once(start_download=assets.generation_download)
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    assert generation.status_note == "waiting: sign in to ImagineLab again"
    assert generation.poll_failures == 0
    header = alice_client.get(reverse("generation:credits")).content.decode()
    assert "Sign in to ImagineLab again" in header

    wrong = alice_client.post(
        reverse("key_lab_sign_in_again", args=[lab_token_key.pk]),
        {"email": lab_account.email, "password": "nope-nope"},
    )
    assert wrong.status_code == 400 and "did not accept" in wrong.content.decode()
    lab_token_key.refresh_from_db()
    assert lab_token_key.needs_login_since is not None

    alice_client.post(
        reverse("key_lab_sign_in_again", args=[lab_token_key.pk]),
        {"email": lab_account.email, "password": lab_account.password},
    )
    poller.poll_loop(start_download=assets.generation_download, seconds=15)
    generation.refresh_from_db()
    assert generation.status == Status.DONE, generation.error
    assert generation.text_outputs


def test_a_stranger_cannot_sign_in_someone_elses_key(charlie, client, lab_token_key):
    client.force_login(charlie)
    response = client.post(
        reverse("key_lab_sign_in_again", args=[lab_token_key.pk]),
        {"email": "x@example.com", "password": "whatever"},
    )
    assert response.status_code == 404


def test_each_form_lists_only_its_own_providers_keys(alice_client, alice_key, lab_key):
    """An ImagineLab key cannot be picked on an ImaginePro form, nor the reverse."""
    flux = alice_client.get("/new/flux/").content.decode()
    lab = alice_client.get("/imaginelab/new/image/").content.decode()

    assert f'value="{alice_key.pk}"' in flux and f'value="{lab_key.pk}"' not in flux
    assert f'value="{lab_key.pk}"' in lab and f'value="{alice_key.pk}"' not in lab
