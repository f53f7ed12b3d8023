"""An object store that is missing, unreachable or refuses the credentials, a store that
refuses a result, and moving an existing studio's files into a store
(`manage.py media_to_storage`). Against a real S3 API on loopback (tests/s3.py)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.tasks import async_task

from studio.generation import enqueue
from studio.generation.models import ACTIVE, Generation, Status
from studio.media.checks import object_store_problem
from studio.uploads.services import upload_create
from tests.factories import AssetFactory, FluxJobFactory, image_bytes
from tests.s3 import free_port, start_moto
from tests.scale.clusters import ROOT, Cluster, qcluster_env
from tests.uploads.conftest import image_file


def _store_options(settings, **options):
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], **options}},
    }


@pytest.mark.django_db
def test_a_missing_bucket_is_one_sentence_of_manage_py_check(object_storage):
    env = {
        **os.environ,
        **object_storage.env,
        "S3_BUCKET": "no-such-bucket",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    sentence = (
        f"The bucket 'no-such-bucket' does not exist at {object_storage.endpoint}: create it, "
        "or fix S3_BUCKET."
    )
    assert f"(media.E001) {sentence}" in done.stderr


@pytest.mark.django_db
def test_an_unreachable_store_and_refused_credentials_stop_the_start(object_storage, settings):
    assert object_store_problem() is None  # the loopback bucket answers
    call_command("check")

    closed = f"http://127.0.0.1:{free_port()}"
    _store_options(settings, endpoint_url=closed)
    with pytest.raises(SystemCheckError, match="cannot be reached"):
        call_command("check")
    assert object_store_problem().startswith(f"The object store {closed} cannot be reached")

    # A store that checks credentials (moto with its IAM on) and does not know ours.
    port = free_port()
    strict = start_moto(port, INITIAL_NO_AUTH_ACTION_COUNT="0")
    try:
        _store_options(settings, endpoint_url=f"http://127.0.0.1:{port}")
        problem = object_store_problem()
    finally:
        strict.kill()
        strict.wait()
    assert problem.startswith(f"The object store http://127.0.0.1:{port} refuses the credentials")
    assert "AWS_ACCESS_KEY_ID" in problem


def _wait(generation, until, seconds: float = 60) -> Generation:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        generation.refresh_from_db()
        if until(generation):
            return generation
        time.sleep(0.3)
    raise AssertionError(f"still {generation.status}: {generation.status_note}")


@pytest.mark.django_db(transaction=True)
def test_a_store_that_refuses_a_result_keeps_it_downloading_then_takes_it(
    alice, alice_key, live_server, sandbox_url, object_storage, tmp_path
):
    """The sandbox keeps its files in this process's bucket; the cluster (another machine)
    stores results in its own bucket, which disappears after it started."""
    get_broker().purge_queue()
    theirs = f"studio-{uuid.uuid4().hex[:12]}"
    client = object_storage.client()
    client.create_bucket(Bucket=theirs)
    env = qcluster_env(
        site_url=live_server.url,
        media_root=tmp_path / "cluster-media",
        **{**object_storage.env, "S3_BUCKET": theirs},
    )
    cluster = Cluster(env, tmp_path / "qcluster.log")
    try:
        cluster.wait_running()
        client.delete_bucket(Bucket=theirs)

        generation = FluxJobFactory(user=alice, provider_key=alice_key, prompt="a pier at dawn")
        async_task(enqueue.POLL, task_name="poll-1", q_options={"timeout": 90})
        generation = _wait(generation, lambda g: "file store" in g.status_note)
        assert generation.status == Status.DOWNLOADING, cluster.log[-3000:]
        assert "saving the files failed (the file store did not take a result file" in (
            generation.status_note
        )
        assert not generation.assets.exists()

        client.create_bucket(Bucket=theirs)
        Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
        async_task(enqueue.POLL, task_name="poll-2", q_options={"timeout": 90})
        generation = _wait(generation, lambda g: g.status not in ACTIVE)
    finally:
        cluster.stop()
    assert generation.status == Status.DONE, (generation.error, cluster.log[-3000:])
    stored = {item["Key"] for item in client.list_objects_v2(Bucket=theirs)["Contents"]}
    for asset in generation.assets.all():
        assert {asset.file.name, asset.thumbnail.name} <= stored


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.django_db
def test_media_to_storage_copies_verifies_and_can_run_again(alice, settings, request, tmp_path):
    media = tmp_path / "media"
    pictures = [image_bytes(color=(n * 40, 10, 10)) for n in range(3)]
    assets = [AssetFactory(generation__user=alice, data=d, sha256=_hash(d)) for d in pictures]
    upload = upload_create(user=alice, file=image_file("ref.png", size=(90, 60)))
    (media / "sandbox" / "job").mkdir(parents=True)
    (media / "sandbox" / "job" / "out-1.png").write_bytes(pictures[0])
    names = sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())
    assert len(names) == 3 * 2 + 1 + 1  # files, thumbnails, the upload, a sandbox output

    store = request.getfixturevalue("object_storage")
    out = io.StringIO()
    call_command("media_to_storage", "--from", str(media), stdout=out)
    assert f"{len(names)} copied and verified, 0 already there (verified), 0 failed." in (
        out.getvalue()
    )
    assert store.object_keys() == names
    client = store.client()
    body = client.get_object(Bucket=store.bucket, Key=upload.file.name)["Body"].read()
    assert _hash(body) == upload.sha256

    # Interrupted half-way: one object missing, one cut short. The next run mends both.
    client.delete_object(Bucket=store.bucket, Key=assets[0].file.name)
    client.put_object(Bucket=store.bucket, Key=assets[1].file.name, Body=pictures[1][:20])
    out = io.StringIO()
    call_command("media_to_storage", "--from", str(media), stdout=out)
    summary = f"2 copied and verified, {len(names) - 2} already there (verified), 0 failed."
    assert summary in out.getvalue()
    assert assets[0].file.name in out.getvalue() and assets[1].file.name in out.getvalue()
    body = client.get_object(Bucket=store.bucket, Key=assets[1].file.name)["Body"].read()
    assert body == pictures[1]

    # A local file that no longer matches its recorded sha256 is not copied, and says so.
    client.delete_object(Bucket=store.bucket, Key=assets[2].file.name)
    (media / assets[2].file.name).write_bytes(b"not the picture")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 files were not copied"):
        call_command("media_to_storage", "--from", str(media), stdout=out, stderr=err)
    assert f"{assets[2].file.name}: FAILED: the local file differs from its recorded sha256" in (
        err.getvalue()
    )
    assert assets[2].file.name not in store.object_keys()


@pytest.mark.django_db
def test_media_to_storage_on_the_local_disk_has_nothing_to_do(settings):
    out = io.StringIO()
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    call_command("media_to_storage", stdout=out)
    assert "nothing to copy" in out.getvalue()


@pytest.mark.django_db
def test_an_upload_the_store_refuses_brings_the_form_back_with_one_sentence(
    alice, alice_key, alice_client, object_storage
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from studio.uploads.models import Upload

    object_storage.client().delete_bucket(Bucket=object_storage.bucket)  # the store lost it
    prompt = "the same cat, in snow"
    response = alice_client.post(
        reverse("generation:nano_banana_new"),
        {
            "prompt": prompt,
            "reference_images_files": [
                SimpleUploadedFile("cat.png", image_bytes((96, 64)), content_type="image/png")
            ],
            "reference_images_urls": "",
            "model": "nano-banana-2",
            "key": alice_key.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The studio could not store your image just now" in page
    assert prompt in page  # the form as typed
    assert not Upload.objects.exists() and not Generation.objects.exists()


@pytest.mark.django_db
def test_gunicorn_does_not_start_on_a_missing_bucket(object_storage, tmp_path):
    env = qcluster_env(
        site_url="http://127.0.0.1:8000",
        media_root=tmp_path / "media",
        **{**object_storage.env, "S3_BUCKET": "no-such-bucket"},
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        GUNICORN_WORKERS="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "docker/gunicorn.conf.py", "studio.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "The bucket 'no-such-bucket' does not exist" in done.stderr + done.stdout
    assert "Booting worker" not in done.stderr + done.stdout
