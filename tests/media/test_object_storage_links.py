"""Links the provider fetches when files live on an object store: presigned GET links to the
bucket's objects, for the job's lifetime, and the form's warning only when the store itself
is out of the provider's reach. Against a real S3 API on loopback (tests/s3.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studio.accounts.models import ProviderKey
from studio.generation.models import Generation, Status
from studio.uploads.public import public_address_problem, public_url
from studio.uploads.services import upload_create
from tests.factories import AssetFactory, image_bytes
from tests.sandbox.conftest import SandboxClient, api_base, make_api  # noqa: F401 - fixtures
from tests.support import run_to_final
from tests.uploads.conftest import image_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_link_is_a_presigned_link_to_the_private_object(alice, object_storage):
    upload = upload_create(user=alice, file=image_file("ref.png", size=(120, 80)))

    url = public_url(upload)
    parts = urlsplit(url)
    assert url.startswith(f"{object_storage.endpoint}/{object_storage.bucket}/uploads/")
    assert parts.path.endswith(".jpg")  # the path still ends in the file's extension
    assert parse_qs(parts.query)["X-Amz-Expires"] == ["7200"]  # S3_LINK_SECONDS
    with default_storage.open(upload.file.name, "rb") as handle:
        assert requests.get(url, timeout=10).content == handle.read()


def _expires_at(url: str) -> datetime:
    query = parse_qs(urlsplit(url).query)
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))


def test_a_reference_link_covers_its_job_and_outlives_it_by_the_margin_at_most(
    alice, alice_key, alice_client, sandbox_url, object_storage
):
    """Nano Banana with an uploaded reference, through the form: the provider gets a
    presigned link, the sandbox fetches it, and the link ends after the job's deadline (as
    queued, and as sent) but less than 2 h after it."""
    response = alice_client.post(
        reverse("generation:nano_banana_new"),
        {
            "prompt": "the same cat, in snow",
            "reference_images_files": [
                SimpleUploadedFile("cat.png", image_bytes((96, 64)), content_type="image/png")
            ],
            "reference_images_urls": "",
            "model": "nano-banana-2",
            "key": alice_key.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    generation = Generation.objects.get(prompt="the same cat, in snow")
    [link] = [v for v in _strings(generation.request_body) if object_storage.bucket in v]
    margin = timedelta(hours=2)
    assert generation.deadline_at <= _expires_at(link) <= generation.deadline_at + margin

    generation = run_to_final(generation, seconds=30)
    assert generation.status == Status.DONE, generation.error  # the sandbox fetched it
    assert generation.deadline_at <= _expires_at(link) <= generation.deadline_at + margin


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_a_presigned_link_lasts_at_most_seven_days(alice, object_storage, settings):
    settings.STORE = replace(settings.STORE, link_seconds=30 * 24 * 3600)
    asset = AssetFactory(generation__user=alice)
    query = parse_qs(urlsplit(public_url(asset)).query)
    assert query["X-Amz-Expires"] == [str(7 * 24 * 3600)]


@pytest.fixture
def sandbox_api(make_api) -> SandboxClient:  # noqa: F811 - make_api is the imported fixture
    return make_api()


def test_the_sandbox_fetches_a_presigned_reference(sandbox_api, alice, object_storage):
    api = sandbox_api
    upload = upload_create(user=alice, file=image_file("ref.png", size=(120, 80)))
    message = api.wait(api.submit("flux/upscale", {"image": public_url(upload), "scale": 2}))
    assert message["status"] == "DONE", message.get("error")


def test_the_form_warns_only_when_the_store_is_out_of_reach(alice, object_storage, settings):
    real = ProviderKey(user=alice, provider="imaginepro", is_sandbox=False)
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # no public address for the studio
    # The loopback store is out of the provider's reach too: the sentence names it.
    problem = public_address_problem(real)
    assert problem and object_storage.endpoint in problem and "S3_ENDPOINT_URL" in problem

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "endpoint_url": "https://objects.example.com",
            },
        },
    }
    assert public_address_problem(real) is None  # a public store: no warning, any address


def test_a_share_link_serves_from_the_store_until_revoked(
    alice, alice_key, alice_client, sandbox_url, object_storage
):
    from django.test import Client

    from tests.sharing.test_links import flux, share

    picture = flux(alice, alice_key, "a red apple")
    [asset] = picture.images
    assert asset.file.name in object_storage.object_keys()
    link = share(alice_client, generation=picture.pk)
    visitor = Client()
    response = visitor.get(f"/s/{link.token}/a/{asset.pk}/file/")
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content) == requests.get(public_url(asset), timeout=10).content
    )

    alice_client.post(reverse("sharing:revoke", args=[link.pk]))
    assert visitor.get(f"/s/{link.token}/a/{asset.pk}/file/").status_code == 404


def test_deleting_a_generation_removes_its_objects(alice, alice_client, object_storage):
    asset = AssetFactory(generation__user=alice, generation__status=Status.DONE)
    assert {asset.file.name, asset.thumbnail.name} <= set(object_storage.object_keys())
    response = alice_client.post("/library/delete/", {"ids": [asset.generation_id], "confirm": "1"})
    assert response.status_code == 302
    assert not Generation.objects.filter(pk=asset.generation_id).exists()
    assert object_storage.object_keys() == []
