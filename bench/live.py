"""The live half of `make bench`: the studio as real processes (gunicorn serving the studio
and its sandbox, a django-q2 qcluster; bench/harness.py) on a throw-away database under
var/bench/live/, measured from outside as a person and as the provider see it.

Figures, each with the baseline taken in the same run:

1. Added latency from the provider's DONE to the image visible in the gallery, p50 and p95,
   with webhooks and without, at 1, 100 and 1,000 generations in flight (Flux 256×256, one
   image each, spread over keys of PER_KEY generations so that polling every POLL_INTERVAL
   stays within the provider's 10 progress requests/s per key; SUBMIT_SPACING as shipped,
   with jobs long enough for all of them to be in flight at once).
2. Generations in flight on ONE key that the poller keeps current within 10 fetches/s:
   count, 429s the sandbox answered, the oldest status age; baseline: the official SDK's
   loop (a thread per job, GET /message/fetch/{id}, then sleep 2 s) on the same jobs.
3. Form submit time (the Midjourney form, signed in, CSRF, a sandbox key), p50/p95;
   baseline: the sign-in page's GET through the same server. Then the same for the gallery's
   prompt bar (its htmx POST, answered with the new card).
4. Resident memory (web + cluster, each summed over its process tree) at rest and while 2
   runs; baseline: at rest.

`python bench/live.py [--json FILE]` prints the rows (or writes them as JSON for run.py).
BENCH_QUICK=1 runs smaller sizes; BENCH_LEVELS (e.g. "1,100,1000"), BENCH_CAPACITY,
BENCH_WINDOW (s) and BENCH_SUBMITS set them one by one; BENCH_VAR moves var/bench/.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: `python bench/live.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench import harness  # noqa: E402
from bench.table import Row, ms, percentile, report  # noqa: E402

QUICK = os.getenv("BENCH_QUICK") == "1"
DIRECTORY = harness.VAR / "live"
# Sizes; each can be set on its own (tests/bench runs them tiny).
LEVELS = tuple(
    int(n) for n in os.getenv("BENCH_LEVELS", "1,10,100" if QUICK else "1,100,1000").split(",")
)
CAPACITY = int(os.getenv("BENCH_CAPACITY", "100" if QUICK else "500"))  # on one key
WINDOW = float(os.getenv("BENCH_WINDOW", "15" if QUICK else "45"))  # s, poller and SDK each
SUBMITS = int(os.getenv("BENCH_SUBMITS", "30" if QUICK else "100"))
PER_KEY = 25  # polled every 3 s: 8.3 fetches/s per key, under the provider's 10
SDK_INTERVAL = 2.0  # seconds the official SDK sleeps between two fetches of a job
FLUX_SECONDS = 8.0  # the sandbox's Flux job at time scale 1 (lifecycle.DURATIONS["flux"])
LATENCY_GOAL_WEBHOOK = 0.5
SUBMIT_GOAL = 0.050
MEMORY_GOAL = 400 * 1024 * 1024
MB = 1024 * 1024


def mb(value: int) -> str:
    return f"{value / MB:.0f} MB"


def seconds(value: float) -> str:
    return f"{value:.2f} s"


# --- helpers -------------------------------------------------------------------------------


def wait_final(ids: list, bound: float, label: str) -> bool:
    """Wait until every generation in `ids` is final, printing progress; False on timeout."""
    from studio.generation.models import ACTIVE, Generation

    end = time.monotonic() + bound
    last = time.monotonic()
    while True:
        active = Generation.objects.filter(pk__in=ids, status__in=ACTIVE).count()
        if active == 0:
            return True
        now = time.monotonic()
        if now > end:
            print(f"    {label}: {active} still active after {bound:.0f} s", flush=True)
            return False
        if now - last >= 10:
            print(f"    {label}: {len(ids) - active}/{len(ids)} final", flush=True)
            last = now
        time.sleep(0.25)


def close_active() -> None:
    """With the studio stopped: close what is still active, so that the next run's poller
    starts with only its own work, and free the leases a killed cluster may still hold
    (the poller's lasts POLL_LOOP_SECONDS + 30 s: the next run would not poll until then)."""
    from django.utils import timezone

    from studio.generation import transitions
    from studio.generation.models import ACTIVE, Generation, Lease

    for pk in Generation.objects.filter(status__in=ACTIVE).values_list("pk", flat=True):
        transitions.fail(pk, "closed by the bench between two runs")
    Lease.objects.update(until=timezone.now() - timedelta(seconds=1))


def make_flux(user, keys, count: int, tag: str) -> list:
    """`count` small Flux generations through the service, round-robin over `keys`."""
    from studio.generation.services import flux_create

    return [
        flux_create(
            user=user,
            provider_key=keys[n % len(keys)],
            prompt=f"a small test card {tag} {n}",
            n=1,
            output_format="png",
            width=256,
            height=256,
            params={},
        ).pk
        for n in range(count)
    ]


def new_keys(user, count: int) -> list:
    from studio.accounts.services import sandbox_key_create

    return [sandbox_key_create(user=user) for _ in range(count)]


# --- 3 and 4: submit time and memory at rest ------------------------------------------------


def submit_phase(studio: harness.Studio, rows: list[Row]) -> int:
    """Memory at rest, then the form posted SUBMITS times; returns the memory (PSS) at rest.

    The sandbox's jobs are long here (they do not end, and nothing is drawn, while the
    posts are timed): what is measured is the studio's store-and-enqueue, with the cluster
    submitting beside it."""
    from studio.generation.models import Generation

    harness.make_person("bench-submit")
    studio.warm_up()
    time.sleep(2)  # let the fresh processes settle before reading "at rest"
    # Judged by PSS: the cluster's workers and gunicorn's are forks sharing most pages, which
    # a sum of RSS counts once per process; PSS divides each shared page among its sharers.
    web, cluster = studio.rss()
    rest_pss = studio.pss()
    rows.append(
        Row(
            "memory at rest, web + cluster (PSS)",
            f"{mb(rest_pss)} (RSS summed: {mb(web)} + {mb(cluster)})",
            "≤ 400 MB",
            rest_pss <= MEMORY_GOAL,
        )
    )
    session = harness.signed_in(studio.url, "bench-submit")
    fields = harness.midjourney_defaults(session, studio.url)
    floor = []
    for _ in range(SUBMITS):
        started = time.perf_counter()
        session.get(f"{studio.url}/accounts/login/", timeout=30)
        floor.append(time.perf_counter() - started)
    print(f"  posting the Midjourney form {SUBMITS} times …", flush=True)
    results = [
        harness.submit_midjourney(session, studio.url, fields, f"a lighthouse at dusk, take {n}")
        for n in range(SUBMITS)
    ]
    refused = [r for r in results if not r.accepted]
    times = [r.seconds for r in results]
    p95 = percentile(times, 0.95)
    rows.append(Row("form submit (Midjourney POST): p50", ms(percentile(times, 0.5)), "", None, ""))
    rows.append(
        Row(
            "form submit (Midjourney POST): p95"
            + (f", {len(refused)} refused ({refused[0].note})" if refused else ""),
            ms(p95),
            "≤ 50 ms",
            p95 <= SUBMIT_GOAL and not refused,
            f"{ms(percentile(floor, 0.95))} (GET sign-in page)",
        )
    )
    bar = bar_submits(studio, session, rows)
    queued = Generation.objects.filter(user__username="bench-submit").count()
    accepted = len(results) - len(refused) + bar
    if queued != accepted:
        rows.append(Row("submits accepted but not stored", str(accepted - queued)))
    return rest_pss


def bar_submits(studio: harness.Studio, session, rows: list[Row]) -> int:
    """The prompt bar posted SUBMITS times as htmx sends it (one Midjourney job each, the
    new card in the answer), then as many Flux jobs for the baseline. Neither POST asks the
    provider anything: a Midjourney job's prompt check (POST /nova/prompt-check) is asked by
    its submit task, after the answer (docs/architecture.md "The path of a generation",
    step 3); the Midjourney POST only adds our banned-word check of Midjourney syntax and
    its composed prompt. Returns how many were accepted."""
    times, refused = {}, {}
    for model, prompt in (("midjourney", "a harbour in fog"), ("flux", "a red apple")):
        fields = harness.bar_defaults(session, studio.url, model)
        print(f"  posting the prompt bar {SUBMITS} times ({model}) …", flush=True)
        results = [
            harness.submit_bar(session, studio.url, fields, f"{prompt}, take {n}")
            for n in range(SUBMITS)
        ]
        times[model] = [r.seconds for r in results]
        refused[model] = [r for r in results if not r.accepted]
    late = refused["midjourney"]
    p95 = percentile(times["midjourney"], 0.95)
    flux = f"{ms(percentile(times['flux'], 0.95))} (Flux; neither asks the provider)"
    rows.append(
        Row(
            "submit from the prompt bar (htmx POST): p50",
            ms(percentile(times["midjourney"], 0.5)),
            baseline=f"{ms(percentile(times['flux'], 0.5))} (Flux)",
        )
    )
    rows.append(
        Row(
            "submit from the prompt bar (htmx POST): p95"
            + (f", {len(late)} refused ({late[0].note})" if late else ""),
            ms(p95),
            "< 50 ms",
            p95 < SUBMIT_GOAL and not late,
            flux + (f", {len(refused['flux'])} refused" if refused["flux"] else ""),
        )
    )
    return sum(SUBMITS - len(r) for r in refused.values())


# --- 1: added latency ------------------------------------------------------------------------


def latency_run(studio: harness.Studio, count: int, webhooks: bool, rows: list[Row]) -> dict:
    """One run: `count` generations at once; returns the figures."""
    from django.conf import settings

    from studio.generation.models import Generation, Status
    from studio.sandbox.models import SandboxJob

    # Long enough for all of them to be submitted before the first ends: at the shipped
    # SUBMIT_SPACING a key's last job goes out (PER_KEY - 1) × spacing after its first, and
    # the cluster sends ~10 submits a second in all.
    per_key = min(count, PER_KEY)
    duration = 6.0 + max((per_key - 1) * settings.SUBMIT_SPACING, count * 0.1)
    scale = duration / FLUX_SECONDS
    studio.start(
        WEBHOOKS=str(webhooks),
        WEBHOOK_BASE_URL=studio.url,
        SANDBOX_TIME_SCALE=f"{scale:.3f}",
    )
    try:
        studio.warm_up()
        name = f"bench-latency-{'hook' if webhooks else 'poll'}-{count}"
        user, key = harness.make_person(name)
        keys = [key, *new_keys(user, math.ceil(count / PER_KEY) - 1)]
        label = f"{count} in flight, webhooks {'on' if webhooks else 'off'}"
        print(f"  latency: {label} ({len(keys)} keys, jobs of {duration:.0f} s) …", flush=True)
        ids = make_flux(user, keys, count, name)
        wait_final(ids, duration + 120 + count * 0.3, label)
    finally:
        studio.stop()
    close_active()
    generations = list(Generation.objects.filter(pk__in=ids))
    done = [g for g in generations if g.status == Status.DONE and g.finished_at]
    ends = dict(
        SandboxJob.objects.filter(id__in=[g.message_id for g in done]).values_list("id", "ends_at")
    )
    added, known, in_flight = [], [], []
    for g in done:
        provider_done = ends.get(_uuid(g.message_id))
        if provider_done is None:
            continue
        added.append((g.finished_at - provider_done) / timedelta(seconds=1))
        if g.news_at:
            known.append((g.news_at - provider_done) / timedelta(seconds=1))
        in_flight.append(
            sum(
                1
                for other in generations
                if other.submitted_at
                and other.submitted_at <= provider_done
                and (other.finished_at is None or other.finished_at > provider_done)
            )
        )
    by = {}
    for g in done:
        by[g.finished_by or "?"] = by.get(g.finished_by or "?", 0) + 1
    return {
        "count": count,
        "webhooks": webhooks,
        "done": len(done),
        "added": added,
        "known": known,
        "in_flight": sorted(in_flight)[len(in_flight) // 2] if in_flight else 0,
        "finished_by": by,
        "keys": len(keys),
    }


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def latency_rows(results: list[dict], poll_interval: float) -> list[Row]:
    rows = []
    for r in results:
        if not r["added"]:
            rows.append(
                Row(
                    f"added latency, {r['count']} in flight, "
                    f"webhooks {'on' if r['webhooks'] else 'off'}",
                    f"no generation finished ({r['done']}/{r['count']} done)",
                    "",
                    False,
                )
            )
            continue
        p50, p95 = percentile(r["added"], 0.5), percentile(r["added"], 0.95)
        goal = LATENCY_GOAL_WEBHOOK if r["webhooks"] else poll_interval + 0.5
        how = ", ".join(f"{k} {v}" for k, v in sorted(r["finished_by"].items()))
        label = (
            f"added latency, {r['count']} in flight (median seen {r['in_flight']}), "
            f"webhooks {'on' if r['webhooks'] else 'off'}"
        )
        rows.append(Row(f"{label}: p50", seconds(p50)))
        if r["known"]:
            rows.append(
                Row(
                    f"{label}: p95 of DONE → known (the rest: files)",
                    seconds(percentile(r["known"], 0.95)),
                )
            )
        rows.append(
            Row(
                f"{label}: p95 [{r['done']}/{r['count']} done; {how}]",
                seconds(p95),
                f"≤ {goal:.1f} s",
                p95 <= goal and r["done"] == r["count"],
            )
        )
    return rows


# --- 2: in flight per key, and the SDK's loop -------------------------------------------------


def oldest_age(ids: list) -> float:
    """Seconds since the least recently updated running generation's status was stored."""
    from django.db.models import Min
    from django.utils import timezone

    from studio.generation.models import POLLED, Generation

    oldest = Generation.objects.filter(pk__in=ids, status__in=POLLED).aggregate(
        t=Min("updated_at")
    )["t"]
    return (timezone.now() - oldest).total_seconds() if oldest else 0.0


def account_429s(key) -> int:
    """429s the sandbox has answered `key`'s account (studio.sandbox.faults)."""
    from studio.sandbox import faults

    account = faults.account_for_key(key.api_key)
    return faults.rate_limited_count(account) if account else 0


def sdk_loop(base_url: str, api_key: str, message_ids: list[str], window: float) -> dict:
    """The official SDK's way (docs/provider-contract.md §7: fetch_message polls every 2 s until DONE or
    FAIL): a thread per job, GET /message/fetch/{id}, sleep 2 s, again, for `window` s.
    The SDK raises on an error answer and abandons the job; here a 429 is counted and the
    loop goes on, which favours the SDK. Returns 429s, other errors and the oldest age."""
    start = time.monotonic()
    end = start + window
    last_ok = dict.fromkeys(message_ids, start)
    counts = {"429": 0, "ok": 0, "other": 0, "jobs_hit": set()}
    lock = threading.Lock()

    def one(message_id: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {api_key}"
        while time.monotonic() < end:
            try:
                status = session.get(
                    f"{base_url}/message/fetch/{message_id}", timeout=30
                ).status_code
            except requests.RequestException:
                status = 0
            with lock:
                if status == 200:
                    counts["ok"] += 1
                    last_ok[message_id] = time.monotonic()
                elif status == 429:
                    counts["429"] += 1
                    counts["jobs_hit"].add(message_id)
                else:
                    counts["other"] += 1
            time.sleep(SDK_INTERVAL)

    threads = [threading.Thread(target=one, args=(m,), daemon=True) for m in message_ids]
    for thread in threads:
        thread.start()
    worst = 0.0
    while time.monotonic() < end:
        time.sleep(1.0)
        now = time.monotonic()
        if now - start > SDK_INTERVAL * 2:  # after every thread's first round
            with lock:
                worst = max(worst, max(now - t for t in last_ok.values()))
    for thread in threads:
        thread.join(35)
    return {
        "429": counts["429"],
        "ok": counts["ok"],
        "other": counts["other"],
        "jobs_hit": len(counts["jobs_hit"]),
        "never": sum(1 for t in last_ok.values() if t == start),
        "oldest": worst,
    }


def capacity_phase(studio: harness.Studio, rows: list[Row], rest_pss: int) -> None:
    from studio.generation.models import POLLED, Generation

    scale = 100.0  # Flux jobs of ~800 s: all still running through both windows
    studio.start(WEBHOOKS="False", SANDBOX_TIME_SCALE=str(scale), SUBMIT_SPACING="0")
    try:
        studio.warm_up()
        user, key = harness.make_person("bench-capacity")
        print(f"  in flight on one key: submitting {CAPACITY} …", flush=True)
        ids = make_flux(user, [key], CAPACITY, "capacity")
        end = time.monotonic() + 60 + CAPACITY * 0.5
        while time.monotonic() < end:
            running = Generation.objects.filter(pk__in=ids, status__in=POLLED).count()
            if running == CAPACITY:
                break
            time.sleep(0.5)
        running = Generation.objects.filter(pk__in=ids, status__in=POLLED).count()
        print(f"    {running} running; watching the poller for {WINDOW:.0f} s …", flush=True)
        before = account_429s(key)
        worst, peak, peak_pss = 0.0, 0, 0
        end = time.monotonic() + WINDOW
        while time.monotonic() < end:
            time.sleep(1.0)
            worst = max(worst, oldest_age(ids))
            web, cluster = studio.rss()
            peak = max(peak, web + cluster)
            peak_pss = max(peak_pss, studio.pss())
        ours = account_429s(key) - before
        studio.cluster.stop()  # the SDK's loop gets the sandbox to itself
        message_ids = list(
            Generation.objects.filter(pk__in=ids, status__in=POLLED)
            .exclude(message_id="")
            .values_list("message_id", flat=True)
        )
        print(
            f"    the SDK's loop on the same {len(message_ids)} jobs, {WINDOW:.0f} s …", flush=True
        )
        from django.conf import settings

        before = account_429s(key)
        sdk = sdk_loop(settings.SANDBOX_BASE_URL, key.api_key, message_ids, WINDOW)
        counted = account_429s(key) - before
    finally:
        studio.stop()
    close_active()
    rows.append(
        Row(
            "in flight on one key, kept by the poller",
            f"{running}",
            "≥ 500",
            running >= 500,
            f"{len(message_ids)} (SDK loop)",
        )
    )
    rows.append(
        Row(
            f"  429s in {WINDOW:.0f} s",
            str(ours),
            "0",
            ours == 0,
            f"{sdk['429']} (sandbox counted {counted}; {sdk['jobs_hit']} jobs hit, "
            "each would end the SDK's loop)",
        )
    )
    rows.append(
        Row(
            "  oldest status age (worst sample)",
            seconds(worst),
            "",
            None,
            f"{seconds(sdk['oldest'])} ({sdk['never']} jobs never answered 200)",
        )
    )
    rows.append(
        Row(
            "memory under load, web + cluster (PSS, peak)",
            f"{mb(peak_pss)} (RSS summed {mb(peak)})",
            "≤ 400 MB",
            peak_pss <= MEMORY_GOAL,
            f"{mb(rest_pss)} at rest",
        )
    )


# --- all of it --------------------------------------------------------------------------------


NOTES = [
    "Added latency = Generation.finished_at (DONE in our database with every file stored and",
    "thumbnailed: what the gallery renders next) − SandboxJob.ends_at (the provider's DONE",
    "moment, from which a fetch answers DONE). Flux 256×256 × 1 image; SUBMIT_SPACING as",
    f"shipped and one sandbox key per {PER_KEY} generations (≤ 10 fetches/s per key at the poll",
    "interval): the jobs go out, and end, at the provider's pace of a submit per key every 3 s.",
    "In flight = our generations submitted and not yet final at each provider DONE (median).",
    "Oldest status age = now − updated_at of the least recently refreshed running generation",
    "(worst 1-s sample); for the SDK loop, now − its last 200 answer, per job.",
    "DONE → known = Generation.news_at (the DONE applied, by poll or webhook) − ends_at;",
    "the rest is the download task: queue pick-up, fetching the file, the thumbnail.",
    "Memory = PSS summed over each process tree (gunicorn master + workers, qcluster + its",
    "workers): each page shared after fork divided among its sharers. The VmRSS sum beside",
    "it counts shared pages in every process, so it is an upper bound.",
]


def run() -> tuple[list[Row], list[str]]:
    port = harness.free_port()
    env = harness.prepare(
        DIRECTORY,
        port,
        RATELIMIT_SUBMIT="100000/m",
        RATELIMIT_LOGIN="1000/m",
        RATELIMIT_LOGIN_ADDRESS="1000/m",
    )
    from django.conf import settings

    studio = harness.Studio(DIRECTORY, port, env)
    rows: list[Row] = []
    notes = list(NOTES)
    print(f"Live figures: the studio on {studio.url}, files in {DIRECTORY}", flush=True)

    # SUBMIT_SPACING as shipped: the cluster sends these jobs one per key every 3 s.
    studio.start(SANDBOX_TIME_SCALE="20")
    try:
        rest = submit_phase(studio, rows)
    finally:
        studio.stop()
    close_active()
    notes.append(
        f"Submit: the Midjourney form, then the gallery's prompt bar, posted {SUBMITS} times"
        " each by one signed-in person (its limit raised to 100000/m for the bench); the"
        " cluster runs beside it at the shipped SUBMIT_SPACING (one submit per key every"
        f" {settings.SUBMIT_SPACING:g} s), the request never waits on the provider."
    )

    results = []
    for webhooks in (False, True):
        for count in LEVELS:
            results.append(latency_run(studio, count, webhooks, rows))
    rows.extend(latency_rows(results, settings.POLL_INTERVAL))

    capacity_phase(studio, rows, rest)
    locked = studio.locked_in_logs() + harness.locked_in_tasks()
    rows.append(Row('"database is locked" in the live runs', str(locked), "0", locked == 0))
    return rows, notes


def main() -> int:
    return report(run, "Studio bench, live figures")


if __name__ == "__main__":
    raise SystemExit(main())
