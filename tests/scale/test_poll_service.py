"""The poll service inside real `manage.py qcluster` processes: a cluster polls with no poll
task queued and no schedule, and a cluster that stops hands the polling to the other at
once, not after its lease runs out."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule

from studio.generation.models import Generation, Lease, Status
from studio.generation.submit import generation_submit
from tests.scale.clusters import Cluster, qcluster_env
from tests.support import flux

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 120  # far longer than the test waits: only a release hands over in time


def wait_for(condition, seconds: float = 60.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("not reached in time")


def holder() -> str:
    lease = Lease.objects.filter(name="poller", until__gt=timezone.now()).first()
    return lease.owner if lease else ""


def finished(generation) -> bool:
    generation.refresh_from_db()
    return generation.status == Status.DONE


def queued_for_the_test(user, key, prompts):
    """Queued Flux jobs whose submits the test makes, saved before any cluster runs: their
    submit tasks are taken off the queue (a cluster would run them first, and each would
    queue a poll), and a service's housekeeping retries a queued job only once its
    next_poll_at has come, an hour from now."""
    jobs = [flux(user, key, prompt) for prompt in prompts]
    get_broker().purge_queue()
    Generation.objects.filter(pk__in=[job.pk for job in jobs]).update(
        next_poll_at=timezone.now() + timedelta(hours=1)
    )
    return jobs


def test_a_cluster_polls_on_its_own_and_hands_over_when_it_stops(
    live_server, sandbox_url, settings, tmp_path, alice, alice_key
):
    settings.WEBHOOKS = False
    Schedule.objects.all().delete()  # no minute schedule: nothing but a service polls
    env = qcluster_env(
        site_url=live_server.url,
        media_root=Path(settings.MEDIA_ROOT),
        WEBHOOKS="False",
        POLL_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    job, later = queued_for_the_test(alice, alice_key, ["a lighthouse at dusk", "a harbour in fog"])
    first = Cluster(env, tmp_path / "qcluster-1.log")
    second = None
    try:
        first.wait_running()
        owner = wait_for(holder)
        second = Cluster(env, tmp_path / "qcluster-2.log")
        second.wait_running()

        assert generation_submit(job.pk) == Status.SUBMITTED  # no poll task is queued
        wait_for(lambda: finished(job))
        assert Generation.objects.get(pk=job.pk).finished_by == "poll"

        first.stop()
        wait_for(lambda: holder() not in ("", owner), seconds=20)
        assert holder().startswith("service-")

        assert generation_submit(later.pk) == Status.SUBMITTED
        wait_for(lambda: finished(later))
    finally:
        first.stop()
        if second is not None:
            second.stop()
