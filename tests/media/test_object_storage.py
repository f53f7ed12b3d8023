"""Stored files on an S3-compatible object store (STORAGE_BACKEND=s3), against a real S3 API
on loopback (moto in server mode, tests/s3.py). Nothing is mocked.

The key test stands for three machines sharing one database and one bucket: jobs submitted
through this process's web code, taken by a qcluster whose MEDIA_ROOT is another folder,
and seen (thumbnail, lightbox image, ZIP, video seek) through a gunicorn whose MEDIA_ROOT is
a third. No file ever lands in any of those folders.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse
from django_q.brokers import get_broker

from studio.generation.models import ACTIVE, Asset, Generation, Model, Status
from tests.imaginelab.conftest import lab_form
from tests.s3 import free_port
from tests.scale.clusters import ROOT, Cluster, qcluster_env

pytestmark = pytest.mark.django_db(transaction=True)


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _submit(client, key, generation_type, model, prompt, **options) -> Generation:
    response = lab_form(client, generation_type, key, model, prompt, **options)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Generation.objects.get(model=Model.IMAGINELAB, prompt=prompt)


def _wait_final(ids, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not Generation.objects.filter(pk__in=ids, status__in=ACTIVE).exists():
            return
        time.sleep(0.5)


@pytest.fixture
def lab_key(alice, alice_client, sandbox_url, object_storage):
    """Alice's ImagineLab sandbox key (the Keys page's one click); the bucket is ready first."""
    assert alice_client.post(reverse("key_lab_sandbox")).status_code == 302
    return alice.provider_keys.get(provider="imaginelab")


@pytest.fixture
def gunicorn_on(tmp_path):
    """Start a gunicorn (the studio as production serves it) with `env`; its URL."""
    started = []

    def start(env: dict[str, str]) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = tmp_path / f"gunicorn-{port}.log"
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "docker/gunicorn.conf.py", "studio.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            assert process.poll() is None, log_path.read_text()
            try:
                if requests.get(f"{url}/accounts/login/", timeout=10).status_code == 200:
                    return url
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{log_path.read_text()}")

    yield start
    for process in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_job_done_on_another_machine_is_seen_from_a_third(
    alice, alice_client, charlie, lab_key, live_server, object_storage, gunicorn_on, tmp_path
):
    get_broker().purge_queue()
    image = _submit(
        alice_client, lab_key, "image", "seedream-5.0-lite", "a harbour", aspect_ratio="1:1"
    )
    video = _submit(alice_client, lab_key, "video", "kinetic-2", "waves on rocks", duration="5")

    cluster_media, web_media = tmp_path / "cluster-media", tmp_path / "web-media"
    env = qcluster_env(
        site_url=live_server.url, media_root=cluster_media, Q_WORKERS="2", **object_storage.env
    )
    cluster = Cluster(env, tmp_path / "qcluster.log")
    try:
        cluster.wait_running()
        _wait_final([image.pk, video.pk], seconds=120)
    finally:
        cluster.stop()
    for generation in (image, video):
        generation.refresh_from_db()
        assert generation.status == Status.DONE, (generation.error, cluster.log[-3000:])

    picture = image.assets.get(role=Asset.Role.IMAGE)
    movie = video.assets.get(role=Asset.Role.VIDEO)
    keys = object_storage.object_keys()
    for asset in (picture, movie):
        assert asset.file.name in keys and asset.thumbnail.name in keys

    web = gunicorn_on(
        qcluster_env(site_url=live_server.url, media_root=web_media, **object_storage.env)
    )
    session = requests.Session()
    session.cookies.set(
        django_settings.SESSION_COOKIE_NAME, alice_client.cookies["sessionid"].value
    )

    # The gallery card's thumbnail and the lightbox's full image, streamed from the bucket.
    gallery = session.get(f"{web}/", timeout=20)
    thumb_path = reverse("generation:asset", args=[picture.pk, "thumb"])
    assert gallery.status_code == 200 and thumb_path in gallery.text
    thumb = session.get(f"{web}{thumb_path}", timeout=20)
    assert thumb.status_code == 200 and thumb.content[8:12] == b"WEBP"
    panel = session.get(f"{web}{reverse('generation:lightbox', args=[image.pk])}", timeout=20)
    file_path = reverse("generation:asset", args=[picture.pk, "file"])
    assert panel.status_code == 200 and file_path in panel.text
    full = session.get(f"{web}{file_path}", timeout=20)
    assert full.status_code == 200 and full.content.startswith(b"\x89PNG")
    assert len(full.content) == picture.bytes

    # A video seek: the byte range comes from the store, exactly those bytes.
    movie_path = reverse("generation:asset", args=[movie.pk, "file"])
    whole = session.get(f"{web}{movie_path}", timeout=20).content
    assert len(whole) == movie.bytes
    seek = session.get(f"{web}{movie_path}", headers={"Range": "bytes=1000-1999"}, timeout=20)
    assert seek.status_code == 206
    assert seek.headers["Content-Range"] == f"bytes 1000-1999/{movie.bytes}"
    assert seek.content == whole[1000:2000]

    # The ZIP of both, built from the bucket.
    session.get(f"{web}/", timeout=20)  # the CSRF cookie
    token = session.cookies["csrftoken"]
    answer = session.post(
        f"{web}/library/zip/",
        data={"ids": [str(image.pk), str(video.pk)], "csrfmiddlewaretoken": token},
        headers={"Referer": f"{web}/"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text[:2000]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        contents = [archive.read(name) for name in archive.namelist()]
    assert whole in contents and full.content in contents

    # A stranger gets 404, as on the local disk.
    stranger = requests.Session()
    from django.test import Client

    other = Client()
    other.force_login(charlie)
    stranger.cookies.set(django_settings.SESSION_COOKIE_NAME, other.cookies["sessionid"].value)
    assert stranger.get(f"{web}{file_path}", timeout=20).status_code == 404

    # No machine wrote a file on its own disk.
    for folder in (cluster_media, web_media, Path(django_settings.MEDIA_ROOT)):
        assert _files_under(folder) == [], folder


def test_byte_ranges_come_from_the_store(object_storage, rf):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.http import Http404

    from studio.web.ranges import file_response

    data = bytes(range(256)) * 40  # 10,240 bytes
    name = default_storage.save("generations/x/video-1.mp4", ContentFile(data))

    def get(**headers):
        response = file_response(rf.get("/", headers=headers), default_storage, name, "video/mp4")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body

    whole, body = get()
    assert (whole.status_code, whole["Content-Length"], body) == (200, "10240", data)
    assert whole["Accept-Ranges"] == "bytes"
    part, body = get(Range="bytes=100-199")
    assert (part.status_code, part["Content-Range"], body) == (
        206,
        "bytes 100-199/10240",
        data[100:200],
    )
    tail, body = get(Range="bytes=-40")
    assert (tail["Content-Range"], body) == ("bytes 10200-10239/10240", data[-40:])
    past, _ = get(Range="bytes=20000-")
    assert (past.status_code, past["Content-Range"]) == (416, "bytes */10240")
    with pytest.raises(Http404):
        file_response(rf.get("/"), default_storage, "generations/x/gone.mp4", "video/mp4")
