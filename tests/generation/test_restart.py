"""A real `manage.py qcluster` killed with SIGKILL in the middle of a submit, a poll and a
download, then a fresh one started: every generation ends
DONE, the provider holds exactly one job per generation, and the ledger one charge each.

Each generation has its own sandbox key, slowed (sandbox `latency` fault) at one step: the
submit's POST, the progress fetch, or the result files, so the kill lands inside it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from studio.generation import enqueue
from studio.generation.models import FinishedBy, Generation, Status
from studio.sandbox import faults
from studio.sandbox.models import SandboxFault, SandboxJob
from tests.factories import FluxJobFactory, ProviderKeyFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# Seconds each slowed step takes at the sandbox (the submit outlasts the first two kills).
SLOW = {"submit": 15.0, "fetch": 4.0, "files": 8.0}


def start_cluster(sandbox_url: str, media_root) -> subprocess.Popen:
    """A qcluster on the file test database, in its own process group (so the whole
    cluster, its guard and workers, can be killed at once)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SQLITE_PATH": str(django_settings.DATABASES["default"]["NAME"]),
        "SANDBOX_BASE_URL": sandbox_url,
        "MEDIA_ROOT": str(media_root),
        "SUBMIT_SPACING": "0",
        "Q_WORKERS": "4",
        "WEBHOOKS": "False",
        "PROVIDER_READ_TIMEOUT": str(max(SLOW.values()) + 5),
        "SUBMIT_STALE_SECONDS": "2",
        "LOOKUP_INTERVAL": "0.5",
        "POLL_LEASE_SECONDS": "3",
        "DOWNLOAD_LEASE_SECONDS": "3",
        "POLL_LOOP_SECONDS": "50",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the cluster and every process it started: nothing gets to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    """Stop a cluster by signalling its own PID (docs/architecture.md "Pitfalls", risk 5: a group SIGTERM can hang it)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_group(process)


def wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def status(generation) -> str:
    return Generation.objects.values_list("status", flat=True).get(pk=generation.pk)


def make(user, key, step) -> Generation:
    """A small Flux generation; its submit task is queued for the cluster."""
    return FluxJobFactory(user=user, provider_key=key, prompt=f"a lighthouse, slow {step}")


def slowed_key(user, step):
    """A sandbox key whose first request of `step` sleeps SLOW[step] at the sandbox."""
    key = ProviderKeyFactory(user=user)
    faults.inject(
        "latency", account=faults.account_for_key(key), on=step, seconds=SLOW[step], remaining=1
    )
    return key


def inside(step) -> bool:
    """The slowed request of `step` has reached the sandbox (it took the fault's one use),
    so it is sleeping there now: a kill lands inside it, however slow the machine."""
    return SandboxFault.objects.filter(kind="latency", on=step, remaining=0).exists()


def test_sigkill_mid_submit_poll_and_download_then_restart(
    alice, live_server, sandbox_url, settings
):
    """Kill 1 lands in a submit (its POST still sleeping at the provider, which then
    creates the job: the answer is lost) and in a poll; kill 2 in a download. The third
    cluster finishes everything without sending anything twice."""
    media = settings.MEDIA_ROOT
    cluster = start_cluster(sandbox_url, media)
    try:
        in_submit = make(alice, slowed_key(alice, "submit"), "submit")
        in_poll = make(alice, slowed_key(alice, "fetch"), "fetch")
        # Generous bounds: wait_for returns as soon as the state is reached; a busy CI
        # machine (a second cluster starting, xdist beside it) needs far more than usual.
        assert wait_for(lambda: inside("submit") and inside("fetch"), 60), [
            status(in_submit),
            status(in_poll),
        ]
        kill_group(cluster)
        assert status(in_submit) == Status.SUBMITTING
        assert status(in_poll) in (Status.SUBMITTED, Status.PROCESSING)

        faults.clear(all=True)  # the provider is well again (the submit is still sleeping)
        cluster = start_cluster(sandbox_url, media)
        in_download = make(alice, slowed_key(alice, "files"), "files")
        assert wait_for(lambda: inside("files"), 60), [
            status(g) for g in (in_submit, in_poll, in_download)
        ]
        kill_group(cluster)
        assert status(in_download) == Status.DOWNLOADING

        faults.clear(all=True)
        cluster = start_cluster(sandbox_url, media)
        enqueue.enqueue_poll()  # in production the one-minute schedule starts it; no waiting here
        generations = [in_submit, in_poll, in_download]
        wait_for(lambda: all(status(g) in (Status.DONE, Status.FAILED) for g in generations), 120)
    finally:
        stop(cluster)

    for generation in generations:
        generation.refresh_from_db()
        assert generation.status == Status.DONE, (generation.prompt, generation.error)
        job = SandboxJob.objects.get(ref=str(generation.pk))  # exactly one at the provider
        assert generation.message_id == str(job.pk)
        assert LedgerEntry.objects.filter(generation=generation, kind=Kind.CHARGE).count() == 1
        assert ledger.net(generation.pk) == generation.cost
        assert generation.assets.count() == 1
    assert in_submit.finished_by == FinishedBy.LOOKUP  # found by its ref, never re-posted
