"""ImagineLab fixtures: sandbox accounts and keys made the way a person makes them (the Keys
page), all over real HTTP against the sandbox served by live_server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from studio.accounts.models import ProviderKey
from studio.sandbox.imaginelab.services import sandbox_lab_account_create


@dataclass(frozen=True)
class LabAccount:
    email: str
    password: str
    api_key: str


@pytest.fixture
def lab_account(sandbox_url) -> LabAccount:
    """A fresh ImagineLab sandbox account (a starting wallet)."""
    return LabAccount(*sandbox_lab_account_create(label="tests"))


@pytest.fixture
def lab_key(alice, alice_client, sandbox_url) -> ProviderKey:
    """Alice's ImagineLab sandbox key from the Keys page's one click."""
    response = alice_client.post(reverse("key_lab_sandbox"))
    assert response.status_code == 302
    return ProviderKey.objects.get(user=alice, provider="imaginelab")


@pytest.fixture
def lab_token_key(alice, alice_client, lab_account) -> ProviderKey:
    """Alice signed in to the ImagineLab sandbox with email and password on the Keys page."""
    response = alice_client.post(
        reverse("key_lab_sign_in"),
        {
            "signin-name": "My ImagineLab",
            "signin-email": lab_account.email,
            "signin-password": lab_account.password,
            "signin-sandbox": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ProviderKey.objects.get(user=alice, provider="imaginelab", auth="token")


def lab_form(client, generation_type: str, key: ProviderKey, model: str, prompt: str, **settings):
    """POST the ImagineLab form of one type, as a person submits it."""
    data = {"key": str(key.pk), "model": model, "prompt": prompt, **settings}
    return client.post(reverse("imaginelab:new", args=[generation_type]), data)
