"""A sandbox key can be used outside the studio: the keys page shows it in full with its
base URL (a real key never), and `manage.py sandbox_key USERNAME` prints one that works."""

from __future__ import annotations

import io

import pytest
import requests
from django.core.management import CommandError, call_command

from studio.accounts import services
from studio.accounts.models import ProviderKey
from studio.sandbox.imaginepro.services import sandbox_account_create

KEYS = "/accounts/keys/"


@pytest.mark.django_db(transaction=True)
def test_the_keys_page_shows_a_sandbox_key_in_full_and_it_works_with_curl(
    alice_client, alice, sandbox_url, settings, live_server
):
    settings.IMAGINEPRO_BASE_URL = sandbox_url
    sandbox = services.sandbox_key_create(user=alice)
    real_secret = sandbox_account_create(label="real")
    alice_client.post(KEYS, {"name": "Mine", "api_key": real_secret})
    assert ProviderKey.objects.filter(user=alice, is_sandbox=False).count() == 1

    html = alice_client.get(KEYS).content.decode()

    assert f'value="{sandbox.api_key}"' in html
    assert f'value="{sandbox_url}"' in html
    assert real_secret not in html  # a real key stays masked
    answer = requests.get(
        f"{sandbox_url}/subscription/account-info",
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
        timeout=10,
    )
    assert answer.status_code == 200 and "credits" in answer.json()


@pytest.mark.django_db(transaction=True)
def test_sandbox_key_command_prints_a_working_key_and_reuses_it(alice, sandbox_url):
    out, err = io.StringIO(), io.StringIO()
    call_command("sandbox_key", "alice", stdout=out, stderr=err)
    printed = out.getvalue().strip()
    assert sandbox_url in err.getvalue()
    assert ProviderKey.objects.get(user=alice, is_sandbox=True).api_key == printed
    answer = requests.post(
        f"{sandbox_url}/flux/imagine",
        json={"prompt": "a kite"},
        headers={"Authorization": f"Bearer {printed}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["messageId"]

    again = io.StringIO()
    call_command("sandbox_key", "alice", stdout=again, stderr=io.StringIO())
    assert again.getvalue().strip() == printed
    assert ProviderKey.objects.filter(user=alice, is_sandbox=True).count() == 1


@pytest.mark.django_db
def test_sandbox_key_command_names_an_unknown_person():
    with pytest.raises(CommandError, match="No one is called 'nobody' here."):
        call_command("sandbox_key", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
