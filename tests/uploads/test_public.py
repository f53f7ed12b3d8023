"""Public links: the provider fetches uploads and assets without a session, and nothing
else opens (tampered, expired, swapped, wrong extension: the same 404)."""

from __future__ import annotations

import time

import pytest
import requests
from django.core import signing
from django.test import Client

from studio.accounts.models import ProviderKey
from studio.accounts.services import sandbox_key_create
from studio.uploads.public import public_address_problem, public_path, public_url
from studio.uploads.services import upload_create
from tests.factories import AssetFactory
from tests.uploads.conftest import image_file


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db(transaction=True)
def test_upload_is_fetched_over_http_without_a_session(alice, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    upload = upload_create(user=alice, file=image_file("ref.png", size=(300, 200)))

    url = public_url(upload)
    response = requests.get(url, timeout=10)

    assert url.startswith(f"{live_server.url}/r/u/") and url.endswith(f"/{upload.pk}.jpg")
    assert "?" not in url
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert "private" in response.headers["Cache-Control"]
    assert response.content == read(upload.file)


@pytest.mark.django_db(transaction=True)
def test_asset_is_fetched_over_http_without_a_session(alice, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    asset = AssetFactory(generation__user=alice)

    response = requests.get(public_url(asset), timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content == read(asset.file)


@pytest.mark.django_db
class TestBadLinks:
    @pytest.fixture
    def upload(self, alice):
        return upload_create(user=alice, file=image_file())

    def test_a_fresh_link_works(self, upload):
        assert Client().get(public_path(upload)).status_code == 200

    def test_tampered_token_is_404(self, upload):
        path = public_path(upload)
        prefix, token, name = path.rsplit("/", 2)
        tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert Client().get(f"{prefix}/{tampered}/{name}").status_code == 404
        assert Client().get(f"{prefix}/garbage/{name}").status_code == 404
        assert Client().get(f"{prefix}/{token}x.y.z/{name}").status_code == 404

    def test_token_of_another_upload_is_404(self, alice, upload):
        other = upload_create(user=alice, file=image_file("b.png", color=(1, 2, 3)))
        token = public_path(upload).split("/")[3]
        assert Client().get(f"/r/u/{token}/{other.pk}.jpg").status_code == 404

    def test_upload_token_does_not_open_an_asset(self, alice, upload):
        asset = AssetFactory(generation__user=alice)
        token = public_path(asset).split("/")[3]
        # Same uuid trick across kinds: the salt differs, so the signature does not match.
        assert Client().get(f"/r/u/{token}/{asset.pk}.jpg").status_code == 404

    def test_wrong_extension_is_404(self, alice, upload):
        assert Client().get(public_path(upload)[: -len(".jpg")] + ".png").status_code == 404
        asset = AssetFactory(generation__user=alice)
        assert Client().get(public_path(asset)[: -len(".png")] + ".jpg").status_code == 404

    def test_expired_link_is_404(self, upload, settings, monkeypatch):
        # Sign as if two days and a minute ago (Django's signer reads time.time()).
        past = time.time() - settings.PUBLIC_URL_MAX_AGE - 60
        monkeypatch.setattr(signing.time, "time", lambda: past)
        path = public_path(upload)
        monkeypatch.undo()
        assert Client().get(path).status_code == 404

    def test_deleted_file_is_404_not_500(self, upload):
        path = public_path(upload)
        upload.file.storage.delete(upload.file.name)
        assert Client().get(path).status_code == 404

    def test_post_is_refused(self, upload):
        assert Client().post(public_path(upload)).status_code == 405


@pytest.mark.django_db
class TestPublicAddressProblem:
    @pytest.fixture
    def real_key(self, alice):
        key = ProviderKey(user=alice, name="real")
        key.set_api_key("sk-test-0000000000000000abcd")
        key.save()
        return key

    def test_sandbox_key_never_has_a_problem(self, alice, settings):
        settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
        assert public_address_problem(sandbox_key_create(user=alice)) is None

    @pytest.mark.parametrize(
        "base",
        [
            "",
            "http://127.0.0.1:8000",
            "http://localhost:8000",
            "http://studio.localhost",
            "http://10.1.2.3",
            "http://192.168.1.20:8000",
            "http://172.16.0.4",
            "http://[::1]:8000",
            "http://169.254.1.1",
            "http://studio:8000",
            "ftp://studio.example.com",
        ],
    )
    def test_local_addresses_are_a_problem_for_a_real_key(self, real_key, settings, base):
        settings.PUBLIC_BASE_URL = base
        problem = public_address_problem(real_key)
        assert problem and "ImaginePro cannot fetch images from this studio" in problem
        assert "PUBLIC_BASE_URL" in problem

    @pytest.mark.parametrize("base", ["https://studio.example.com", "http://93.184.215.14:8080"])
    def test_public_addresses_are_fine(self, real_key, settings, base):
        settings.PUBLIC_BASE_URL = base
        assert public_address_problem(real_key) is None
