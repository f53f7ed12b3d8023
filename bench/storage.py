"""The cost of an object store beside the local disk, in one run (`make bench`).

The same operations through Django's storage API on both: a finished result stored (a
1024×1024 PNG and its WebP thumbnail, what a download writes between the provider's DONE and
our DONE), a gallery page's 24 thumbnails served by the access-checked view's file_response,
and a video seek (a 64 KiB byte range of a 5 MB file). The store is moto in server mode on
loopback (requirements-dev.txt): a real S3 API over HTTP, with no network distance, so a
remote store adds its round trips on top of these figures.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from bench.table import Row, ms, percentile

ROUNDS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def moto_server() -> tuple[subprocess.Popen, str]:
    """`python -m moto.server` on a free loopback port, in its own session, answering before
    this returns: (the process, its URL). Raises RuntimeError when it does not answer in 30 s."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import requests

    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            requests.get(url, timeout=2)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto server did not start")


def _s3(endpoint: str):
    import boto3
    from storages.backends.s3 import S3Storage

    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    credentials = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials).create_bucket(
        Bucket=bucket
    )
    return S3Storage(
        bucket_name=bucket,
        endpoint_url=endpoint,
        region_name="us-east-1",
        access_key="bench",
        secret_key="bench",
        addressing_style="path",
        file_overwrite=False,
    )


def _median(action, rounds: int) -> float:
    times = []
    for n in range(rounds):
        start = time.perf_counter()
        action(n)
        times.append(time.perf_counter() - start)
    return percentile(times, 0.5)


def _figures(storage, rounds: int) -> dict[str, float]:
    from django.core.files.base import ContentFile
    from django.test import RequestFactory
    from PIL import Image

    from studio.generation.assets import make_thumbnail
    from studio.web.ranges import file_response

    picture = Image.effect_noise((1024, 1024), 60).convert("RGB")
    png = io.BytesIO()
    picture.save(png, "PNG")
    data, thumb = png.getvalue(), make_thumbnail(picture)

    def store(n: int) -> None:
        storage.save(f"generations/{n}/image-1.png", ContentFile(data))
        storage.save(f"generations/{n}/image-1-thumb.webp", ContentFile(thumb))

    stored = _median(store, rounds)
    factory = RequestFactory()

    def serve(name: str, **headers) -> bytes:
        response = file_response(factory.get("/", headers=headers), storage, name, "image/webp")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        response.close()
        return content

    def gallery(_n: int) -> None:
        for n in range(24):
            serve(f"generations/{n % rounds}/image-1-thumb.webp")

    video = storage.save("generations/video/video-1.mp4", ContentFile(os.urandom(5_000_000)))

    def seek(n: int) -> None:
        first = (n * 200_000) % 4_900_000
        assert len(serve(video, Range=f"bytes={first}-{first + 65535}")) == 65536

    return {
        "stored": stored,
        "gallery": _median(gallery, max(1, rounds // 2)),
        "seek": _median(seek, rounds),
    }


def run(rounds: int | None = None) -> list[Row]:
    """Rows: each figure on the object store, the local disk as its baseline; `rounds`
    measurements of each (default ROUNDS, 5 with BENCH_QUICK=1)."""
    rounds = rounds or (5 if os.getenv("BENCH_QUICK") == "1" else ROUNDS)
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return [Row("object store figures", "skipped: moto is in requirements-dev.txt", "")]
    from django.core.files.storage import FileSystemStorage

    process, endpoint = moto_server()
    try:
        with tempfile.TemporaryDirectory() as folder:
            local = _figures(FileSystemStorage(location=folder), rounds)
        remote = _figures(_s3(endpoint), rounds)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    labels = {
        "stored": "DONE → stored: one result + thumbnail saved, p50 (S3 on loopback)",
        "gallery": "gallery: 24 thumbnails served, p50 (S3 on loopback)",
        "seek": "video seek: a 64 KiB range of 5 MB, p50 (S3 on loopback)",
    }
    return [Row(label, ms(remote[key]), "", None, ms(local[key])) for key, label in labels.items()]
