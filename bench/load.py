"""`make load`: 50 people × 20 Midjourney submits against the sandbox, on SQLite, with the
task cluster running.

The studio runs as real processes (gunicorn + qcluster, bench/harness.py) on a throw-away
database under var/bench/load/. Each person gets a sandbox key through the services before
the start; then one thread per person signs in with its own requests.Session (the login
form's CSRF token) and posts the Midjourney form 20 times with no pause, timing each post.
The run then waits (bounded) until every generation is final and prints:

- submits attempted and accepted (the form redirected to the gallery), generations created;
- lost: accepted but missing, not final in the end, or final with an error the studio caused
  (any FAILED generation whose provider message is not a FAIL) — must be 0;
- "database is locked": lines in the web and cluster logs plus failed tasks saying so — must
  be 0;
- submit time p50 / p95 / max, time to drain, and the 429s the sandbox answered.

Exit status 1 when lost > 0 or locked > 0. Sizes come from the environment: LOAD_USERS (50),
LOAD_SUBMITS (20), LOAD_DRAIN_SECONDS (900, the bound on the wait), LOAD_TIME_SCALE (0.1:
the sandbox's Midjourney grid then takes ~2.5 s); BENCH_VAR moves var/bench/, BENCH_PORT sets the port. The login limit (10 a minute per address)
is raised to 1000/m for the run, since all 50 people sign in from 127.0.0.1; the submit limit
(RATELIMIT_SUBMIT, 30 a minute per person) is left as it is: 20 per person stay under it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: `python bench/load.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness  # noqa: E402
from bench.table import percentile  # noqa: E402

DIRECTORY = harness.VAR / "load"
WORDS = ["lighthouse at dusk", "a fox in snow", "neon city rain", "a quiet garden", "old train"]


def _env_int(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def person_run(
    base_url: str, username: str, submits: int, start: threading.Barrier, out: list
) -> None:
    """Sign in, read the form once, then post it `submits` times; append (prompt, Submit)
    pairs to `out` (a sign-in or form failure counts every submit as refused)."""
    try:
        session = harness.signed_in(base_url, username)
        fields = harness.midjourney_defaults(session, base_url)
    except Exception as exc:  # counted, shown, not raised: the other threads go on
        start.wait()
        for n in range(submits):
            out.append((f"{username}-{n}", harness.Submit(0.0, 0, False, repr(exc)[:200])))
        return
    start.wait()
    for n in range(submits):
        prompt = f"{WORDS[n % len(WORDS)]}, load study {username} number {n}"
        out.append((prompt, harness.submit_midjourney(session, base_url, fields, prompt)))


def wait_until_final(started: float, bound: float, total: int) -> float | None:
    """Print progress every 5 s until nothing is active; return the seconds it took from
    `started` (time.monotonic()), or None when `bound` seconds passed first."""
    from studio.generation.models import ACTIVE, FINAL, Generation

    last_print = 0.0
    while True:
        active = Generation.objects.filter(status__in=ACTIVE).count()
        final = Generation.objects.filter(status__in=FINAL).count()
        now = time.monotonic()
        if active == 0:
            return now - started
        if now - started > bound:
            return None
        if now - last_print >= 5:
            print(f"  {now - started:5.0f} s: {final}/{total} final, {active} active", flush=True)
            last_print = now
        time.sleep(0.5)


def provider_failure(generation) -> bool:
    """A FAILED generation the provider failed (its message says FAIL), not us."""
    return bool(generation.raw_message) and generation.raw_message.get("status") == "FAIL"


def main() -> int:
    users = _env_int("LOAD_USERS", 50)
    submits = _env_int("LOAD_SUBMITS", 20)
    bound = float(os.getenv("LOAD_DRAIN_SECONDS", "900"))
    scale = os.getenv("LOAD_TIME_SCALE", "0.1")
    port = int(os.getenv("BENCH_PORT") or harness.free_port())
    env = harness.prepare(
        DIRECTORY,
        port,
        SANDBOX_TIME_SCALE=scale,
        RATELIMIT_LOGIN="1000/m",
        RATELIMIT_LOGIN_ADDRESS="1000/m",
    )
    from django.conf import settings

    from studio.generation.models import Generation, Status

    print(
        f"make load: {users} people × {submits} Midjourney submits, SQLite "
        f"({DIRECTORY / 'db.sqlite3'}), sandbox time scale {scale}, "
        f"{settings.Q_CLUSTER['workers']} cluster workers, submit limit "
        f"{settings.RATELIMIT_SUBMIT} per person, login limits raised to 1000/m",
        flush=True,
    )
    names = [f"load-{n:02d}" for n in range(users)]
    people = {name: harness.make_person(name)[0] for name in names}
    studio = harness.Studio(DIRECTORY, port, env)
    print(f"  starting the studio on {studio.url} (logs in {DIRECTORY}) …", flush=True)
    studio.start()
    try:
        results: dict[str, list] = {name: [] for name in names}
        barrier = threading.Barrier(users + 1)
        threads = [
            threading.Thread(
                target=person_run, args=(studio.url, name, submits, barrier, results[name])
            )
            for name in names
        ]
        for thread in threads:
            thread.start()
        barrier.wait()  # everyone is signed in: go
        started = time.monotonic()
        for thread in threads:
            thread.join()
        posting = time.monotonic() - started
        print(f"  {users * submits} posts in {posting:.1f} s; waiting for the work …", flush=True)
        expected = submits * settings.SUBMIT_SPACING
        drain = wait_until_final(started, bound, users * submits)
    finally:
        studio.stop()

    all_submits = [s for pairs in results.values() for _, s in pairs]
    accepted = [s for s in all_submits if s.accepted]
    refused = Counter(s.note for s in all_submits if not s.accepted)
    lost, lost_reasons = 0, Counter()
    created = Generation.objects.count()
    for name, pairs in results.items():
        mine = {g.prompt: g for g in Generation.objects.filter(user=people[name])}
        for prompt, submit in pairs:
            if not submit.accepted:
                continue
            generation = next((g for p, g in mine.items() if p.startswith(prompt)), None)
            if generation is None:
                lost += 1
                lost_reasons["accepted but missing"] += 1
            elif generation.status not in (Status.DONE, Status.FAILED):
                lost += 1
                lost_reasons[f"not final ({generation.status})"] += 1
            elif generation.status == Status.FAILED and not provider_failure(generation):
                lost += 1
                lost_reasons[generation.error[:120]] += 1
    provider_failed = sum(
        1
        for g in Generation.objects.filter(status=Status.FAILED).only("raw_message")
        if provider_failure(g)
    )
    done = Generation.objects.filter(status=Status.DONE).count()
    locked_logs = studio.locked_in_logs()
    locked_tasks = harness.locked_in_tasks()
    locked = locked_logs + locked_tasks
    times = [s.seconds for s in all_submits if s.status]
    first = Generation.objects.order_by("created_at").values_list("created_at", flat=True).first()
    last = (
        Generation.objects.exclude(finished_at=None)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )

    def ms(value: float) -> str:
        return f"{value * 1000:.0f} ms"

    print()
    print("make load results")
    print(f"  submits attempted        {len(all_submits)}")
    print(f"  submits accepted         {len(accepted)}")
    for note, count in refused.most_common():
        print(f"    refused: {note or 'no answer'} × {count}")
    print(f"  generations created      {created}")
    print(f"  done / failed by provider {done} / {provider_failed}")
    print(f"  lost                     {lost}   (must be 0)")
    for reason, count in lost_reasons.most_common(10):
        print(f"    {count} × {reason}")
    print(
        f"  database is locked       {locked}   (must be 0; logs {locked_logs}, "
        f"failed tasks {locked_tasks})"
    )
    if times:
        print(
            f"  submit time              p50 {ms(percentile(times, 0.5))}, "
            f"p95 {ms(percentile(times, 0.95))}, max {ms(max(times))}"
        )
    if drain is None:
        print(f"  time to drain            not drained within {bound:.0f} s")
    else:
        print(
            f"  time to drain            {drain:.1f} s from the first post (≥ {expected:.0f} s "
            f"expected: {submits} submits per key, one every {settings.SUBMIT_SPACING:g} s)"
        )
    if first and last:
        print(f"  first created → last final {(last - first) / timedelta(seconds=1):.1f} s")
    print(f"  429s the sandbox sent    {harness.sandbox_429s()}")
    if len(accepted) < len(all_submits):
        print("  (a submit the form refused proves nothing about losses: see the notes above)")
    ok = lost == 0 and locked == 0 and drain is not None and len(accepted) == len(all_submits)
    print("  verdict                  " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
