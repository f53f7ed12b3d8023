"""Two real task clusters on one database and one queue never do the same work twice.

Both `manage.py qcluster` processes take tasks from the same broker (the database's queue, or
Redis with REDIS_URL) while the sandbox answers over real HTTP on live_server. Every submit
task is queued twice (a task delivered again, as a broker may after a crash or a `retry`),
and poller tasks are queued to both clusters at once: the conditional claim QUEUED →
SUBMITTING, the "poller" lease, the forward-only transitions and the one-asset-per-slot rule
must leave exactly one provider job, one charge and one stored copy of each file per
generation.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Count
from django_q.brokers import get_broker
from django_q.tasks import async_task

from studio.accounts.services import sandbox_key_create
from studio.credits.models import Kind, LedgerEntry
from studio.generation import enqueue
from studio.generation.models import ACTIVE, Asset, Generation, Status
from studio.sandbox.imaginepro.services import sandbox_account_credits
from studio.sandbox.models import SandboxJob
from studio.sandbox.render import files as sandbox_files
from tests.factories import FluxJobFactory, MidjourneyJobFactory
from tests.scale.clusters import Cluster, qcluster_env

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = 3
PER_KEY = 10  # 30 generations


@pytest.fixture
def clusters(live_server, sandbox_url, settings, tmp_path):
    """Two qclusters, both running before the test goes on; stopped (and their logs kept
    in tmp_path) afterwards."""
    get_broker().purge_queue()  # Redis keeps what earlier tests queued and nobody ran
    env = qcluster_env(
        site_url=live_server.url,
        media_root=Path(settings.MEDIA_ROOT),
        # A short spacing, so submits of one key meet "wait for your slot" across clusters.
        SUBMIT_SPACING="0.2",
        Q_WORKERS="2",
    )
    started = [Cluster(env, tmp_path / f"qcluster-{n}.log") for n in (1, 2)]
    try:
        for cluster in started:
            cluster.wait_running()
        yield started
    finally:
        for cluster in started:
            cluster.stop()


def _create(user, keys) -> list[Generation]:
    made = []
    for n in range(PER_KEY):
        for k, key in enumerate(keys):
            if (n + k) % 2:
                made.append(
                    MidjourneyJobFactory(
                        user=user,
                        provider_key=key,
                        prompt=f"a lighthouse number {n} of key {k}",
                        params={},
                    )
                )
            else:
                made.append(
                    FluxJobFactory(
                        user=user,
                        provider_key=key,
                        prompt=f"a cabin number {n} of key {k}",
                        aspect_ratio="1:1",
                    )
                )
    return made


def _wait_final(ids, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not Generation.objects.filter(pk__in=ids, status__in=ACTIVE).exists():
            return
        time.sleep(0.5)


def test_two_clusters_share_the_work_and_never_repeat_it(alice, clusters, settings):
    keys = [sandbox_key_create(user=alice) for _ in range(KEYS)]
    starting = {key.pk: sandbox_account_credits(api_key=key.api_key) for key in keys}

    made = _create(alice, keys)  # each queues its submit task on commit
    for generation in made:  # ... and once more: a task the broker delivers twice
        async_task(enqueue.SUBMIT, str(generation.pk), task_name=f"submit-{generation.pk}-again")
    for n in range(4):  # pollers on both clusters at once: the lease lets one poll
        async_task(enqueue.POLL, task_name=f"poll-{n}", q_options={"timeout": 90})

    ids = [generation.pk for generation in made]
    _wait_final(ids, seconds=150)
    logs = "\n".join(cluster.log for cluster in clusters)

    generations = list(Generation.objects.filter(pk__in=ids))
    not_done = {str(g.pk): (g.status, g.error or g.status_note) for g in generations}
    not_done = {pk: why for pk, why in not_done.items() if why[0] != Status.DONE}
    assert not not_done, f"{not_done}\n{logs[-4000:]}"

    # Both clusters took submit tasks: the test really ran two of them side by side.
    for cluster in clusters:
        assert "processing submit-" in cluster.log, cluster.log[-3000:]

    # One provider job per generation, whatever the duplicates and the two pollers did.
    jobs = Counter(SandboxJob.objects.filter(ref__in=[str(pk) for pk in ids]).values_list("ref"))
    assert {ref for (ref,), count in jobs.items() if count != 1} == set()
    assert len(jobs) == len(ids)

    # One charge per generation in our ledger, none refunded; the provider charged once too.
    charges = Counter(
        LedgerEntry.objects.filter(generation__in=ids, kind=Kind.CHARGE).values_list(
            "generation_id", flat=True
        )
    )
    assert set(charges.values()) == {1} and set(charges) == set(ids)
    assert not LedgerEntry.objects.filter(generation__in=ids, kind=Kind.REFUND).exists()
    for key in keys:
        spent = sum(g.cost for g in generations if g.provider_key_id == key.pk)
        assert sandbox_account_credits(api_key=key.api_key) == starting[key.pk] - spent

    # Every file the provider made is stored once: the asset rows match the job's files,
    # and the storage holds each file and its thumbnail, no copy from a second download.
    by_generation = dict(
        Asset.objects.filter(generation__in=ids)
        .values_list("generation")
        .annotate(n=Count("id"))
        .values_list("generation", "n")
    )
    media = Path(settings.MEDIA_ROOT)
    for job in SandboxJob.objects.filter(ref__in=[str(pk) for pk in ids]):
        expected = len(sandbox_files.file_names(job))
        generation_id = next(g.pk for g in generations if str(g.pk) == job.ref)
        assert by_generation.get(generation_id) == expected, job.ref
        stored = list((media / "generations" / str(generation_id)).iterdir())
        assert len(stored) == 2 * expected, sorted(p.name for p in stored)
