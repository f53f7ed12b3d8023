"""The polling part of `make bench`: the poller at the provider's limits, measured at the
sandbox, with the shipped server config (gunicorn -c docker/gunicorn.conf.py, `manage.py
qcluster` at its shipped Q_WORKERS) on a throw-away database under var/bench/polling/.

Two phases on key A, one after the other:

- small: SMALL_IN_FLIGHT (100) generations kept in flight for SMALL_SECONDS;
- large: IN_FLIGHT (1,000) kept in flight for SECONDS (300: the goals' definition), while
  key B keeps 5 in flight.

Jobs are placed as a submit leaves them: a sandbox job (its timeline chosen here, ending
at a steady rate) and our generation SUBMITTED with its message id. Submits themselves are
not measured (one per 3 s per key would take 50 minutes to put 1,000 in flight), so
SUBMIT_SPACING stays as shipped. Key A's jobs carry a webhook (WEBHOOKS as shipped), sent
by the sandbox's own delivery code (studio.sandbox.imaginepro.webhooks) from this process;
key B's carry none, so its DONE is learnt by polling alone. As one ends, another is placed.

Figures (goals 1–4):

1. the longest stretch with no fetch of key A (it always has due jobs), from the sandbox's
   own per-100 ms counts of the key's progress requests (SandboxRateBucket, read every
   0.25 s), over the large phase;
2. key A's fetches per second over the large phase, and every 429 the sandbox answered;
3. key B's DONE → known (Generation.news_at − SandboxJob.ends_at) p95 against its poll
   interval + 1 s;
4. DONE → stored (Generation.finished_at − ends_at) p95 of key A's jobs ending in each
   phase (a job still not stored at the end counts with its age then);
8. memory: web (every gunicorn process) + cluster PSS at rest (after the warm-up, before any
   job) and the highest PSS sampled every second of the large phase.

`python bench/polling.py [--json FILE]`. BENCH_POLL_SECONDS, BENCH_POLL_SMALL_SECONDS,
BENCH_POLL_IN_FLIGHT set the phases (a shorter run for a quick look; BENCH_QUICK=1: 30 s
and 60 s); BENCH_PORT the port.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: `python bench/polling.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness  # noqa: E402
from bench.table import Row, percentile, report  # noqa: E402

DIRECTORY = harness.VAR / "polling"
QUICK = os.getenv("BENCH_QUICK") == "1"  # a one-minute look instead of the goals' five
SECONDS = float(os.getenv("BENCH_POLL_SECONDS", "60" if QUICK else "300"))
SMALL_SECONDS = float(os.getenv("BENCH_POLL_SMALL_SECONDS", "30" if QUICK else "60"))
IN_FLIGHT = int(os.getenv("BENCH_POLL_IN_FLIGHT", "1000"))
SMALL_IN_FLIGHT = 100
LIGHT_KEY_JOBS = 5
WARM_UP = 15.0  # s of the large phase not judged: the poller meets 900 new jobs
GAP_GOAL, RATE_GOAL = 2.0, 9.0
STORED_GOAL = {SMALL_IN_FLIGHT: 1.0, IN_FLIGHT: 5.0}
BUCKET = 0.1  # s, the sandbox's counting slot (studio/sandbox/imaginepro/progress_rate.py)
MEMORY_GOAL = 400 * 1024 * 1024  # bytes of PSS, web + cluster


class ShippedStudio(harness.Studio):
    """harness.Studio with the web server as docker/gunicorn.conf.py configures it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.web.argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "studio.wsgi:application",
            "-c",
            str(harness.ROOT / "docker" / "gunicorn.conf.py"),
            "--no-control-socket",
        ]
        self.env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}


# --- placing jobs -------------------------------------------------------------------------


def place(user, key, account, durations: list[float], *, webhook: bool) -> list:
    """Jobs ending `durations` seconds from now, at the sandbox and in our table as a submit
    leaves them. Returns the generations' ids."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    from studio.generation.models import Generation, Model, Status
    from studio.generation.submit import webhook_url
    from studio.sandbox.models import SandboxJob

    now = timezone.now()
    root = settings.SITE_URL + reverse("sandbox:index")
    generations, jobs = [], []
    for seconds in durations:
        g = Generation(
            user=user,
            provider_key=key,
            is_sandbox=True,
            model=Model.FLUX,
            endpoint="flux_imagine",
            prompt="a bench card",
            request_body={"prompt": "a bench card", "n": 1, "width": 256, "height": 256},
            cost=6,
            status=Status.SUBMITTED,
            status_note="sent: waiting for the provider to start it",
            submitted_at=now,
            news_at=now,
            webhook_expected=webhook,
            next_poll_at=now + timedelta(seconds=settings.POLL_INTERVAL),
            deadline_at=now + timedelta(seconds=seconds + 900),
        )
        job = SandboxJob(
            account=account,
            endpoint="flux/imagine",
            kind=SandboxJob.Kind.FLUX,
            prompt=g.prompt,
            seed=random.randrange(2**31),
            shape=SandboxJob.Shape.BATCH,
            width=256,
            height=256,
            count=1,
            output_format="png",
            cost=6,
            ref=str(g.id),
            webhook_url=webhook_url(g, key) if webhook else "",
            timeout=seconds + 900,
            base_url=root,
            created_at=now,
            processing_at=now + timedelta(seconds=min(1.0, seconds / 2)),
            done_at=now + timedelta(seconds=seconds),
            ends_at=now + timedelta(seconds=seconds),
            outcome=SandboxJob.Outcome.DONE,
        )
        g.message_id = str(job.id)
        generations.append(g)
        jobs.append(job)
    SandboxJob.objects.bulk_create(jobs)
    Generation.objects.bulk_create(generations)
    return [g.pk for g in generations]


class Keeper(threading.Thread):
    """Keeps `target` of the key's generations in flight (SUBMITTED or PROCESSING), placing
    new ones lasting uniform(*span) s; every id placed is kept in `ids`."""

    def __init__(self, user, key, account, target: int, span, *, webhook: bool) -> None:
        super().__init__(daemon=True)
        self.user, self.key, self.account = user, key, account
        self.target, self.span, self.webhook = target, span, webhook
        self.ids: list = []
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from studio.generation.models import POLLED, Generation

        try:
            while not self.stop.wait(0.5):
                running = Generation.objects.filter(provider_key=self.key, status__in=POLLED)
                missing = self.target - running.count()
                if missing > 0:
                    durations = [random.uniform(*self.span) for _ in range(missing)]
                    self.ids += place(
                        self.user, self.key, self.account, durations, webhook=self.webhook
                    )
        finally:
            connection.close()


class Recorder(threading.Thread):
    """Reads the sandbox's per-100 ms counts of progress requests of `accounts` every
    0.25 s (a slot is forgotten a second after it ends) and keeps the highest count seen."""

    def __init__(self, accounts) -> None:
        super().__init__(daemon=True)
        self.accounts = {a.pk for a in accounts}
        self.counts: dict[tuple[int, int], int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from studio.sandbox.models import SandboxRateBucket

        try:
            while not self.stop.wait(0.25):
                rows = SandboxRateBucket.objects.filter(account_id__in=self.accounts)
                for account, bucket, count in rows.values_list("account_id", "bucket", "count"):
                    slot = (account, bucket)
                    self.counts[slot] = max(self.counts.get(slot, 0), count)
        finally:
            connection.close()

    def fetches(self, account, start: float, end: float) -> list[tuple[int, int]]:
        """(bucket, count) of `account` between the wall-clock times `start` and `end`."""
        lo, hi = int(start / BUCKET), int(end / BUCKET)
        return sorted(
            (b, n) for (a, b), n in self.counts.items() if a == account.pk and lo <= b < hi
        )


class Memory(threading.Thread):
    """Samples the studio's PSS (web + cluster, harness.Studio.pss) every second and keeps
    the highest."""

    def __init__(self, studio: harness.Studio) -> None:
        super().__init__(daemon=True)
        self.studio, self.peak, self.samples = studio, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.peak = max(self.peak, self.studio.pss())
            self.samples += 1


def memory_rows(studio: ShippedStudio, rest: int, memory: Memory, label: str) -> list[Row]:
    """Goal 8's rows: PSS at rest and the peak under load, with the processes counted."""
    shape = (
        f"{studio.web_processes - 1} gunicorn workers × {studio.env.get('GUNICORN_THREADS', 8)}"
        f" threads + arbiter, cluster of {studio.cluster_processes} processes"
    )
    goal = f"≤ {MEMORY_GOAL / 2**20:.0f} MB"
    return [
        Row(f"8. memory at rest, web + cluster PSS ({shape})", mb(rest), goal, rest <= MEMORY_GOAL),
        Row(
            f"8. memory under {label} on key A, peak PSS (n = {memory.samples} 1-s samples)",
            mb(memory.peak),
            goal,
            0 < memory.peak <= MEMORY_GOAL,
        ),
    ]


def mb(value: int) -> str:
    return f"{value / 2**20:.0f} MB"


class Webhooks(threading.Thread):
    """The sandbox's webhook delivery (deliver_due_webhooks), every 50 ms: what its timers
    do for jobs submitted through its API."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from studio.sandbox.imaginepro.webhooks import deliver_due_webhooks

        try:
            while not self.stop.wait(0.05):
                deliver_due_webhooks()
        finally:
            connection.close()


# --- figures ------------------------------------------------------------------------------


def latencies(ids, field: str, start: float, end: float, stopped: float) -> list[float]:
    """Seconds from the sandbox's ends_at to our `field` (news_at or finished_at) for the
    generations in `ids` whose job ended between the wall-clock times `start` and `end`; one
    not there yet at `stopped` counts with its age then."""
    from datetime import UTC, datetime

    from studio.generation.models import Generation, Status
    from studio.sandbox.models import SandboxJob

    lo, hi = (datetime.fromtimestamp(t, UTC) for t in (start, end))
    ends = dict(
        SandboxJob.objects.filter(ends_at__gte=lo, ends_at__lt=hi).values_list("ref", "ends_at")
    )
    out = []
    for g in Generation.objects.filter(pk__in=ids).only("pk", "status", field):
        ended = ends.get(str(g.pk))
        if ended is None:
            continue
        at = getattr(g, field)
        there = {Status.DONE} if field == "finished_at" else {Status.DOWNLOADING, Status.DONE}
        if g.status in there and at is not None and at >= ended:
            out.append((at - ended).total_seconds())
        else:
            out.append(stopped - ended.timestamp())
    return out


def p95_row(measure: str, values: list[float], goal: float) -> Row:
    if len(values) < 20:
        return Row(measure, f"n = {len(values)}: too few for a p95", f"≤ {goal:g} s", False)
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return Row(
        measure, f"{p95:.2f} s (p50 {p50:.2f} s, n = {len(values)})", f"≤ {goal:g} s", p95 <= goal
    )


def gap_and_rate(recorder: Recorder, account, start: float, end: float) -> tuple[float, int]:
    """Longest stretch without a fetch (to 0.1 s) and the number of fetches in the window."""
    slots = recorder.fetches(account, start, end)
    if not slots:
        return end - start, 0
    edges = [int(start / BUCKET) - 1, *(b for b, _ in slots), int(end / BUCKET)]
    gap = max(b - a - 1 for a, b in zip(edges, edges[1:], strict=False)) * BUCKET + BUCKET
    return gap, sum(n for _, n in slots)


def run() -> tuple[list[Row], list[str]]:
    port = int(os.getenv("BENCH_PORT") or harness.free_port())
    env = harness.prepare(DIRECTORY, port)
    from django.conf import settings

    from studio.sandbox import faults
    from studio.sandbox.models import SandboxAccount

    studio = ShippedStudio(DIRECTORY, port, env)
    print(f"Polling: the studio on {studio.url}, files in {DIRECTORY}", flush=True)
    studio.start()
    threads = []
    try:
        studio.warm_up()
        time.sleep(2)  # the cluster's first scheduled tasks come and go
        rest = studio.pss()
        studio.web_processes = len(harness.session_members(studio.web.proc.pid))
        studio.cluster_processes = len(harness.session_members(studio.cluster.proc.pid))
        memory = Memory(studio)
        user, key_a = harness.make_person("bench-poll")
        from studio.accounts.services import sandbox_key_create

        key_b = sandbox_key_create(user=user)
        account_a = faults.account_for_key(key_a.api_key)
        account_b = faults.account_for_key(key_b.api_key)
        recorder, hooks = Recorder([account_a, account_b]), Webhooks()
        threads += [recorder, hooks]
        recorder.start()
        hooks.start()

        small = Keeper(user, key_a, account_a, SMALL_IN_FLIGHT, (20, 40), webhook=True)
        small.ids += place(
            user,
            key_a,
            account_a,
            [random.uniform(3, 40) for _ in range(SMALL_IN_FLIGHT)],
            webhook=True,
        )
        threads.append(small)
        small.start()
        print(f"  {SMALL_IN_FLIGHT} in flight on key A for {SMALL_SECONDS:.0f} s …", flush=True)
        small_start = time.time()
        time.sleep(SMALL_SECONDS)
        small.stop.set()
        small.join()
        small_end = time.time()

        more = IN_FLIGHT - SMALL_IN_FLIGHT
        ids_a = small.ids + place(
            user, key_a, account_a, [random.uniform(5, 400) for _ in range(more)], webhook=True
        )
        large = Keeper(user, key_a, account_a, IN_FLIGHT, (200, 400), webhook=True)
        light = Keeper(user, key_b, account_b, LIGHT_KEY_JOBS, (8, 20), webhook=False)
        light.ids += place(
            user,
            key_b,
            account_b,
            [random.uniform(3, 20) for _ in range(LIGHT_KEY_JOBS)],
            webhook=False,
        )
        threads += [large, light, memory]
        large.start()
        light.start()
        memory.start()
        print(
            f"  {IN_FLIGHT} in flight on key A and {LIGHT_KEY_JOBS} on key B for {SECONDS:.0f} s …",
            flush=True,
        )
        large_start = time.time()
        time.sleep(SECONDS)
        large_end = time.time()
        memory.stop.set()
        large.stop.set()
        light.stop.set()
        large.join()
        light.join()
        time.sleep(5)  # downloads of the last jobs to end
        stopped = time.time()
        ids_a += large.ids
    finally:
        for thread in threads:
            thread.stop.set()
        studio.stop()

    judged = large_start + WARM_UP
    gap, fetched = gap_and_rate(recorder, account_a, judged, large_end)
    rate = fetched / (large_end - judged)
    _, fetched_b = gap_and_rate(recorder, account_b, judged, large_end)
    refused = sum(
        SandboxAccount.objects.filter(pk__in=[account_a.pk, account_b.pk]).values_list(
            "rate_limited", flat=True
        )
    )
    known_b = latencies(light.ids, "news_at", judged, large_end, stopped)
    stored_small = latencies(ids_a, "finished_at", small_start + 5, small_end, stopped)
    stored_large = latencies(ids_a, "finished_at", judged, large_end - 5, stopped)
    window = f"{large_end - judged:.0f} s"
    label = f"{IN_FLIGHT:,} in flight"
    b_goal = settings.POLL_INTERVAL + 1
    rows = [
        Row(
            f"1. never idle: longest stretch with no fetch, key A ({label})",
            f"{gap:.1f} s (n = {fetched} fetches over {window})",
            f"≤ {GAP_GOAL:g} s",
            gap <= GAP_GOAL,
        ),
        Row(
            f"2. fetches per second sustained, key A ({label})",
            f"{rate:.2f}/s (n = {fetched} over {window})",
            f"≥ {RATE_GOAL:g}/s",
            rate >= RATE_GOAL,
            "10/s (the documented limit)",
        ),
        Row(
            "2. 429s answered by the sandbox (both keys, whole run)",
            str(refused),
            "0",
            refused == 0,
        ),
        p95_row(
            f"3. fair keys: key B's DONE → known p95 ({LIGHT_KEY_JOBS} in flight beside {label};"
            f" B fetched {fetched_b / (large_end - judged):.2f}/s)",
            known_b,
            b_goal,
        ),
        p95_row(f"4. DONE → stored p95, {SMALL_IN_FLIGHT} in flight", stored_small, 1.0),
        p95_row(f"4. DONE → stored p95, {label}", stored_large, 5.0),
        *memory_rows(studio, rest, memory, label),
    ]
    notes = [
        f"Polling (bench/polling.py): shipped server config (docker/gunicorn.conf.py, qcluster"
        f" with Q_WORKERS={os.getenv('Q_WORKERS', '2')}); key A {SMALL_IN_FLIGHT} in flight for"
        f" {SMALL_SECONDS:.0f} s, then {IN_FLIGHT} for {SECONDS:.0f} s (first {WARM_UP:.0f} s"
        " not judged) beside key B's 5. Jobs placed at the sandbox and in our table as a"
        " submit leaves them (submits not measured; SUBMIT_SPACING as shipped); key A's with"
        " webhooks, key B's without. Fetches counted by the sandbox (100 ms slots).",
    ]
    return rows, notes


def main() -> int:
    return report(run, "Studio bench, polling")


if __name__ == "__main__":
    raise SystemExit(main())
