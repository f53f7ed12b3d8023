"""The cluster's poll service (studio.generation.pollservice) against the sandbox over HTTP.

The sandbox's clock is held still (`sandbox_clock`), so every job's status at the provider
is what the test says; the lease's expiry is reached with time-machine. Waits only bound how
long the service may take: the outcome never depends on the machine's speed.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import get_commands
from django.utils import timezone

from studio.accounts.services import sandbox_key_create
from studio.generation import leases, tasks
from studio.generation.models import Generation, Status
from studio.generation.pacing import SlidingWindowLimiter
from studio.generation.poller import spacing_of
from studio.generation.pollservice import PollService, claim_lease, new_owner
from studio.generation.submit import generation_submit
from studio.sandbox import faults
from tests.support import flux

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_webhooks(settings, sandbox_url):
    settings.WEBHOOKS = False
    settings.PROVIDER_TIMEOUT = (5.0, 10.0)


def running(user, key, count: int) -> list[Generation]:
    jobs = [flux(user, key, f"a lighthouse, take {n}") for n in range(count)]
    for job in jobs:
        assert generation_submit(job.pk) == Status.SUBMITTED
    return jobs


def statuses(jobs) -> set[str]:
    return set(
        Generation.objects.filter(pk__in=[j.pk for j in jobs]).values_list("status", flat=True)
    )


def wait_for(condition, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the poll service did not get there in time"
        time.sleep(0.05)


def service(downloads: list | None = None, limiter=None) -> PollService:
    return PollService(
        start_download=(downloads if downloads is not None else []).append,
        start_submit=lambda pk: None,
        limiter=limiter or SlidingWindowLimiter(10, margin=0.01),
    )


def test_the_clusters_qcluster_command_is_the_studios():
    assert get_commands()["qcluster"] == "studio.generation"


def test_one_service_polls_and_the_next_takes_over_as_soon_as_it_is_let_go():
    first, second = service(), service()
    assert first.step()
    assert not second.step()  # one poller at a time
    first.stop()  # a cluster stopping lets the lease go
    assert second.step()
    second.stop()


def test_a_lease_claimed_before_the_cluster_starts_is_the_services_and_no_poll_task_runs(
    alice, alice_key
):
    running(alice, alice_key, 1)
    owner = new_owner()
    assert claim_lease(owner)  # as `manage.py qcluster` does before forking its workers
    assert not leases.take_lease("poller", "a-poll-task", 15)  # a worker's task cannot
    first = PollService(start_download=[].append, start_submit=lambda pk: None, owner=owner)
    assert first.step()  # the service polls with the lease claimed for it
    assert tasks.poll() == 0  # the scheduled poll task: not one pass beside the service
    assert not service().step()
    first.stop()


def test_a_killed_holders_lease_is_taken_once_it_runs_out(settings):
    first, second = service(), service()
    assert first.step()
    first._end_heartbeat()  # killed: nothing renews its lease any more
    assert not second.step()
    later = timezone.now() + timedelta(seconds=settings.POLL_LEASE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert second.step()
        second.stop()


def test_a_busy_key_never_holds_up_another_and_done_hands_the_download_over(
    alice, alice_key, sandbox_clock
):
    """Key A's limiter has no place for a long while (as when a thousand jobs share it); key
    B's jobs are polled all the same, and on DONE their downloads go to the workers."""
    key_b = sandbox_key_create(user=alice)
    heavy, light = running(alice, alice_key, 6), running(alice, key_b, 2)
    sandbox_clock.advance(60)  # every job DONE at the provider
    limiter = SlidingWindowLimiter(10, margin=0.01)
    limiter.hold(alice_key.pk, 3600)
    downloads: list = []
    poll = service(downloads, limiter).start()
    try:
        wait_for(lambda: statuses(light) == {Status.DOWNLOADING})
        # The hand-over follows the status change: wait for it too, then compare.
        wait_for(lambda: len(downloads) >= len(light))
        assert sorted(map(str, downloads)) == sorted(str(j.pk) for j in light)
        assert statuses(heavy) == {Status.SUBMITTED}  # nothing of key A was sent
    finally:
        poll.stop()


def test_a_429_holds_its_key_for_the_retry_after_and_the_other_key_goes_on(
    alice, alice_key, sandbox_clock
):
    key_b = sandbox_key_create(user=alice)
    heavy, light = running(alice, alice_key, 2), running(alice, key_b, 2)
    fault = faults.inject(
        # Every fetch of key A answers 429 (its lane may send both jobs' fetches at once, in
        # either order): the first 429 holds the key, so no later fetch is sent.
        "http_429",
        account=faults.account_for_key(alice_key),
        on="fetch",
        seconds=40,
        remaining=10,
    )
    sandbox_clock.advance(60)
    limiter = SlidingWindowLimiter(10, margin=0.01)
    poll = service(limiter=limiter).start()
    try:
        wait_for(lambda: statuses(light) == {Status.DOWNLOADING})
        fault.refresh_from_db()
        wait_for(lambda: limiter.held(alice_key.pk))
        assert limiter.held_for(alice_key.pk) > 30
        assert statuses(heavy) == {Status.SUBMITTED}

        def soonest_poll_in() -> float:
            soonest = min(
                Generation.objects.filter(pk__in=[j.pk for j in heavy]).values_list(
                    "next_poll_at", flat=True
                )
            )
            return (soonest - timezone.now()).total_seconds()

        # The key is held as the 429 is read, its jobs put back just after: a stressed CI run
        # read them in between.
        wait_for(lambda: soonest_poll_in() > 30)
    finally:
        poll.stop()


def test_a_key_with_more_jobs_than_its_rate_allows_is_never_out_of_due_jobs(settings):
    """A job's next poll is its key's in-flight count ÷ 10/s away: the key's lane, sending a
    little under 10/s, always finds one due; a light key keeps its own interval."""
    job = Generation(model="flux", provider_key_id=1)
    assert spacing_of(job, {1: 1000}, set()) == pytest.approx(100.0)
    assert spacing_of(job, {1: 2}, set()) == pytest.approx(settings.POLL_INTERVAL)
