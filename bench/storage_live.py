"""The cost of an object store to the running studio, beside the local disk, in one run.

The studio runs as real processes (gunicorn + qcluster, bench/harness.py) on
var/bench/storage_live/, twice on the same database: once storing on the local disk, once
with STORAGE_BACKEND=s3 on a moto server started here on loopback (a real S3 API over HTTP,
any keys accepted; both processes get its S3_* and AWS_* variables). Each run:

1. DONE → stored: after BENCH_STORE_WARM_UP (4) jobs that warm the workers up, BENCH_STORE_JOBS (30)
   Flux jobs in flight at once, webhooks on, SUBMIT_SPACING=0, from the sandbox's `ends_at` of each job to the generation's
   `finished_at` (its file and thumbnail stored), p50 / p95;
2. the gallery's first page (24 cards) over HTTP, then its thumbnails as a browser fetches
   them (the access-checked URLs in the page, 6 connections at once, no browser cache),
   BENCH_STORE_ROUNDS (20) times, p50 / p95 of the whole.

Each row gives the store's figure with the local disk's in the baseline column. The store has
no network distance here: a remote one adds its round trips.

`python bench/storage_live.py [--json FILE]` prints the rows (or writes them for run.py).
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: `python bench/storage_live.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench import harness  # noqa: E402
from bench.live import (  # noqa: E402
    FLUX_SECONDS,
    PER_KEY,
    close_active,
    make_flux,
    new_keys,
    wait_final,
)
from bench.table import Row, ms, percentile, report  # noqa: E402

DIRECTORY = harness.VAR / "storage_live"
JOBS = int(os.getenv("BENCH_STORE_JOBS", "30"))
ROUNDS = int(os.getenv("BENCH_STORE_ROUNDS", "20"))
WARM_UP = int(os.getenv("BENCH_STORE_WARM_UP", "4"))  # jobs stored first, not measured
CONNECTIONS = 6  # a browser's connections to one host over HTTP/1.1
REGION = "us-east-1"
_THUMB = re.compile(r'<img src="(/a/[0-9a-f-]{36}/thumb/)"')


def s3_environ(endpoint: str) -> dict[str, str]:
    """A fresh bucket on `endpoint` and the variables that make the studio store in it."""
    import boto3

    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    keys = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret"}
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
    ).create_bucket(Bucket=bucket)
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        **keys,
    }


def done_to_stored(ids: list) -> list[float]:
    """Seconds from each finished job's `ends_at` at the sandbox to our `finished_at`."""
    from studio.generation.models import Generation, Status
    from studio.sandbox.models import SandboxJob

    done = Generation.objects.filter(pk__in=ids, status=Status.DONE, finished_at__isnull=False)
    finished = dict(done.values_list("message_id", "finished_at"))
    ends = SandboxJob.objects.filter(id__in=list(finished)).values_list("id", "ends_at")
    return [(finished[str(job)] - at) / timedelta(seconds=1) for job, at in ends]


def gallery_rounds(url: str, username: str, rounds: int) -> tuple[list[float], int]:
    """`rounds` times: the gallery's first page, then every thumbnail in it over CONNECTIONS
    connections. Returns the seconds of each round and the thumbnails a page showed.
    Raises RuntimeError on any answer other than 200."""
    session = harness.signed_in(url, username)
    local = threading.local()

    def fetch(path: str) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.cookies.update(session.cookies)
        answer = local.session.get(f"{url}{path}", timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {answer.status_code}")
        return len(answer.content)

    times, shown = [], 0
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for n in range(rounds + 1):  # the first round opens the connections: not counted
            started = time.perf_counter()
            page = session.get(f"{url}/", timeout=30)
            if page.status_code != 200:
                raise RuntimeError(f"gallery: HTTP {page.status_code}")
            thumbs = _THUMB.findall(page.text)
            list(pool.map(fetch, thumbs))
            if n:
                times.append(time.perf_counter() - started)
            shown = len(thumbs)
    return times, shown


def one_run(studio: harness.Studio, backend: str, overrides: dict[str, str]) -> dict:
    """JOBS Flux jobs stored on `backend`, then the gallery measured; the studio stopped."""
    duration = max(3.0, 5.0 + JOBS * 0.08)  # all submitted before the first ends
    studio.start(
        WEBHOOKS="True",
        WEBHOOK_BASE_URL=studio.url,
        SANDBOX_TIME_SCALE=f"{duration / FLUX_SECONDS:.3f}",
        SUBMIT_SPACING="0",
        **overrides,
    )
    try:
        studio.warm_up()
        name = f"bench-store-{backend}"
        user, key = harness.make_person(name)
        keys = [key, *new_keys(user, math.ceil(JOBS / PER_KEY) - 1)]
        # Each cluster worker stores once before the measure: a fresh process's first use
        # of the store (its S3 client) is a restart's cost, not the store's.
        print(f"  storage ({backend}): {WARM_UP} jobs to warm up …", flush=True)
        wait_final(make_flux(user, [key], WARM_UP, f"{name}-warm"), duration + 120, "warm-up")
        print(f"  storage ({backend}): {JOBS} Flux jobs in flight …", flush=True)
        ids = make_flux(user, keys, JOBS, name)
        wait_final(ids, duration + 120 + JOBS * 0.3, f"{backend}, {JOBS} in flight")
        print(f"  storage ({backend}): the gallery {ROUNDS} times …", flush=True)
        page, shown = gallery_rounds(studio.url, name, ROUNDS)
    finally:
        studio.stop()
    close_active()
    return {"stored": done_to_stored(ids), "page": page, "shown": shown}


def _pair(values: list[float], fmt) -> str:
    return f"{fmt(percentile(values, 0.5))} / {fmt(percentile(values, 0.95))}"


def rows_of(local: dict, s3: dict) -> list[Row]:
    """The store's figures, each with the local disk's as its baseline."""

    def seconds(value: float) -> str:
        return f"{value:.2f} s"

    rows = []
    for key, label, fmt in (
        ("stored", f"DONE → stored, {JOBS} Flux in flight, webhooks on", seconds),
        ("page", "gallery first page + {shown} thumbnails over HTTP", ms),
    ):
        label = label.format(shown=s3["shown"])
        if not local[key] or not s3[key]:
            counts = f"{len(s3[key])} on S3, {len(local[key])} local"
            rows.append(Row(f"{label} (S3 on loopback)", f"no samples ({counts})", "", False))
            continue
        rows.append(
            Row(
                f"{label}: p50 / p95 (n={len(s3[key])}, S3 on loopback)",
                _pair(s3[key], fmt),
                "",
                None,
                f"{_pair(local[key], fmt)} (local disk, n={len(local[key])})",
            )
        )
    return rows


def run() -> tuple[list[Row], list[str]]:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return [Row("object store, live figures", "skipped: moto is in requirements-dev.txt")], []
    from bench.storage import moto_server

    port = harness.free_port()
    env = harness.prepare(DIRECTORY, port, RATELIMIT_LOGIN="1000/m")
    studio = harness.Studio(DIRECTORY, port, env)
    moto, endpoint = moto_server()
    try:
        local = one_run(studio, "local", {"STORAGE_BACKEND": "local"})
        s3 = one_run(studio, "s3", s3_environ(endpoint))
    finally:
        moto.send_signal(signal.SIGTERM)
        try:
            moto.wait(timeout=10)
        except subprocess.TimeoutExpired:
            moto.kill()
            moto.wait()
    notes = [
        "Object store, live: the studio as gunicorn + qcluster, once on the local disk and once"
        " on moto in server mode on loopback; DONE → stored from the sandbox's ends_at to"
        " finished_at; the gallery page and its thumbnails fetched as a browser without cache"
        f" ({CONNECTIONS} connections)."
    ]
    return rows_of(local, s3), notes


def main() -> int:
    return report(run, "Studio bench, object store beside the local disk")


if __name__ == "__main__":
    raise SystemExit(main())
