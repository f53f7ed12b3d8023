"""Image links a person types are fetched by the provider (and may be by us): a link to a
private, loopback, link-local or otherwise local address is refused on the form, naming the
link; a sandbox key may use local addresses while SANDBOX_ALLOW_PRIVATE_URLS allows it (the
sandbox itself runs on 127.0.0.1)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from studio.accounts.models import ProviderKey
from studio.credits.models import LedgerEntry
from studio.generation.models import Generation
from studio.uploads.public import link_address_problem
from tests.factories import ProviderKeyFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

LOCAL_LINKS = [
    "http://localhost/cat.png",
    "http://app.localhost:8000/cat.png",
    "http://127.0.0.1/cat.png",
    "http://127.1/cat.png",
    "http://0177.0.0.1/cat.png",
    "http://2130706433/cat.png",
    "http://0x7f000001/cat.png",
    "http://0.0.0.0/cat.png",
    "http://[::1]/cat.png",
    "http://[::]/cat.png",
    "http://[::ffff:127.0.0.1]/cat.png",
    "http://169.254.169.254/latest/meta-data.png",
    "http://[fe80::1]/cat.png",
    "http://10.0.0.5/cat.png",
    "http://172.16.3.4/cat.png",
    "https://192.168.1.10/cat.png",
    "http://[fd00::5]/cat.png",
    "http://100.64.0.1/cat.png",
    "http://224.0.0.1/cat.png",
    "http://240.0.0.1/cat.png",
    "http://intranet/cat.png",
    "http://printer.local/cat.png",
    "http://[::127.0.0.1]/cat.png",  # IPv4-compatible
    "http://[64:ff9b::7f00:1]/cat.png",  # NAT64
    "http://[2002:7f00:1::]/cat.png",  # 6to4 around 127.0.0.1
    "http://[2002:a9fe:a9fe::]/cat.png",  # 6to4 around 169.254.169.254
]


@pytest.mark.parametrize("link", LOCAL_LINKS)
def test_local_addresses_are_refused_naming_the_link(link):
    problem = link_address_problem(link)
    assert problem and f"“{link}”" in problem and "private or local address" in problem


@pytest.mark.parametrize(
    "link", ["ftp://example.com/a.png", "file:///etc/passwd.png", "gopher://x/a.png"]
)
def test_other_schemes_are_refused(link):
    assert "is not a web link" in link_address_problem(link)


@pytest.mark.parametrize(
    "link", ["https://93.184.216.34/cat.png", "https://[2606:4700::1111]/cat.png"]
)
def test_public_addresses_pass(link):
    assert link_address_problem(link) is None


def test_the_sandbox_exception_covers_local_addresses_only_when_asked():
    assert link_address_problem("http://127.0.0.1:8000/x.png", allow_private=True) is None
    assert link_address_problem("ftp://127.0.0.1/x.png", allow_private=True)


@pytest.fixture
def real_key(alice) -> ProviderKey:
    return ProviderKeyFactory(user=alice, live=True)


def post_nano_banana(client, key, links: str):
    return client.post(
        reverse("generation:nano_banana_new"),
        {
            "prompt": "my typed prompt",
            "reference_images_urls": links,
            "model": "nano-banana-2",
            "key": key.pk,
        },
    )


def test_a_real_key_cannot_send_a_link_to_the_metadata_address(alice: User, real_key):
    link = "http://169.254.169.254/latest/meta-data/iam.png"
    response = post_nano_banana(
        client_for(alice), real_key, f"https://93.184.216.34/ok.png\n{link}"
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f"“{link}” points at a private or local address" in page
    assert "my typed prompt" in page and "93.184.216.34/ok.png" in page  # the form as typed
    assert not Generation.objects.exists() and not LedgerEntry.objects.exists()


def test_a_midjourney_image_prompt_or_reference_is_checked_too(alice: User, real_key):
    client = client_for(alice)
    for prompt, link in (
        ("http://10.1.2.3/a.png a cat", "http://10.1.2.3/a.png"),
        ("a cat --sref http://[::1]/style.png::2", "http://[::1]/style.png"),
    ):
        response = client.post(
            reverse("generation:midjourney_new"),
            {"prompt": prompt, "speed": "fast", "key": real_key.pk},
        )
        assert response.status_code == 400
        assert f"“{link}” points at a private or local address" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_sandbox_key_may_use_local_links_while_the_setting_allows(alice, alice_key, settings):
    link = "http://127.0.0.1:8000/some/picture.png"
    allowed = post_nano_banana(client_for(alice), alice_key, link)
    assert allowed.status_code == 302 and Generation.objects.count() == 1

    settings.SANDBOX_ALLOW_PRIVATE_URLS = False
    refused = post_nano_banana(client_for(alice), alice_key, link)
    assert refused.status_code == 400
    assert "private or local address" in refused.content.decode()
    assert Generation.objects.count() == 1
