"""The anchor part of `make bench`: the provider's own Python SDK (`imaginepro` 0.1.0 from
PyPI, https://pypi.org/project/imaginepro/) beside the studio, on one sandbox key and the
same Midjourney imagine jobs, at N = 5, 30 and 100.

The studio runs as shipped (gunicorn -c docker/gunicorn.conf.py, `manage.py qcluster`,
SUBMIT_SPACING and WEBHOOKS as shipped) on a throw-away database under var/bench/anchor/,
with SANDBOX_TIME_SCALE = SCALE so that a Midjourney grid lasts ~2.5 s instead of ~25 s.
For each N, on the same key, one after the other (so no run's requests meet another's):

- studio: N generations created as the Midjourney form does (services.midjourney_create,
  the prompt check in the task), measured from the first create until the last is stored
  (finished_at) or final;
- SDK, one job at a time: as its README shows, `sdk.imagine({"prompt": …})` then
  `sdk.fetch_message(message_id)` (a fetch every `fetch_interval` = 2 s until DONE or
  FAIL), then the next job;
- SDK, one thread per job: the same two calls in N threads started together.

The SDK raises on any answer that is not 2xx (a 429 included) and its job is then given
up; the SDK stops at DONE and stores nothing, which favours it. Its README reads
`result["message_id"]`, which the documented answer (docs/provider-contract.md §1.2, and so
the sandbox) does not have (it says `messageId`): that would fail every job with a KeyError,
so the bench reads `messageId` and says so in its notes. Figures per run: jobs
finished (DONE) of N, 429s the sandbox answered the key during the run (it counts them on
the account), wall time.

`python bench/anchor.py [--json FILE]`. BENCH_ANCHOR_N sets the sizes (comma-separated;
BENCH_QUICK=1: 5,30); BENCH_PORT the port.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: `python bench/anchor.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness  # noqa: E402
from bench.polling import ShippedStudio  # noqa: E402
from bench.table import Row, report  # noqa: E402

DIRECTORY = harness.VAR / "anchor"
QUICK = os.getenv("BENCH_QUICK") == "1"
SIZES = [
    int(n) for n in os.getenv("BENCH_ANCHOR_N", "5,30" if QUICK else "5,30,100").split(",") if n
]
SCALE = (
    0.1  # SANDBOX_TIME_SCALE: a Midjourney grid in ~2.5 s (studio/sandbox/imaginepro/lifecycle.py)
)
FETCH_INTERVAL = 2  # s, the SDK's default and its README's example


@contextlib.contextmanager
def quiet():
    """The SDK prints every error it raises ("Error fetching data: …"); keep them out of
    the bench's output (sys.stdout is process-wide, so its threads' prints too)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


ERRORS: Counter[str] = Counter()  # what the SDK raised, by message


def sdk_job(sdk, prompt: str) -> bool:
    """One job as the SDK's README shows: imagine, then fetch_message until DONE or FAIL.
    True when it ended DONE; False when it failed or the SDK raised (a 429, any error)."""
    try:
        answer = sdk.imagine({"prompt": prompt})
        if "message_id" not in answer:  # the README reads it; the documented answer has messageId
            ERRORS["the README's result['message_id'] missing: read messageId instead"] += 1
        message_id = answer.get("message_id") or answer["messageId"]
        return sdk.fetch_message(message_id)["status"] == "DONE"
    except Exception as error:  # the SDK raises a bare Exception for every error answer
        ERRORS[f"{type(error).__name__}: {str(error)[:80]}"] += 1
        return False


def sdk_runs(base_url: str, api_key: str, n: int, tag: str, refused) -> dict[str, tuple]:
    """The SDK's two ways for `n` jobs: {way: (jobs DONE, wall seconds, 429s)}; `refused()`
    reads the sandbox's count of 429s on the key, before and after each way."""
    from imaginepro import ImagineProSDK, ImagineProSDKOptions

    sdk = ImagineProSDK(
        ImagineProSDKOptions(
            api_key=api_key, base_url=base_url, default_timeout=300, fetch_interval=FETCH_INTERVAL
        )
    )
    out = {}
    with quiet():
        before, started = refused(), time.monotonic()
        done = sum(sdk_job(sdk, f"an anchor card {tag} one {i}") for i in range(n))
        out["one job at a time"] = (done, time.monotonic() - started, refused() - before)

        results: list[bool] = []
        threads = [
            threading.Thread(
                target=lambda i=i: results.append(sdk_job(sdk, f"an anchor card {tag} many {i}"))
            )
            for i in range(n)
        ]
        before, started = refused(), time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out["one thread per job"] = (sum(results), time.monotonic() - started, refused() - before)
    return out


def studio_run(user, key, n: int, tag: str) -> tuple[int, float]:
    """`n` Midjourney generations through the studio's service, as the form creates them;
    (DONE and stored, seconds from the first create to the last final one)."""
    from django.db.models import Max

    from studio.generation.models import ACTIVE, Generation, Status
    from studio.generation.services import midjourney_create

    started = time.time()
    ids = [
        midjourney_create(
            user=user,
            provider_key=key,
            prompt=f"an anchor card {tag} studio {i}",
            params={},
            check_prompt=True,
        ).pk
        for i in range(n)
    ]
    bound = time.monotonic() + 120 + n * 6  # submits are spaced 3 s a key
    while Generation.objects.filter(pk__in=ids, status__in=ACTIVE).exists():
        if time.monotonic() > bound:
            break
        time.sleep(0.2)
    generations = Generation.objects.filter(pk__in=ids)
    done = generations.filter(status=Status.DONE).count()
    last = generations.aggregate(last=Max("finished_at"))["last"]
    wall = (last.timestamp() if last else time.time()) - started
    return done, wall


def run() -> tuple[list[Row], list[str]]:
    port = int(os.getenv("BENCH_PORT") or harness.free_port())
    env = harness.prepare(DIRECTORY, port, SANDBOX_TIME_SCALE=str(SCALE))
    from django.conf import settings

    from studio.sandbox import faults

    studio = ShippedStudio(DIRECTORY, port, env)
    print(f"Anchor: the studio on {studio.url}, files in {DIRECTORY}", flush=True)
    studio.start()
    rows: list[Row] = []
    try:
        studio.warm_up()
        user, key = harness.make_person("bench-anchor")
        account = faults.account_for_key(key.api_key)
        base_url = settings.SANDBOX_BASE_URL.removesuffix("/api/v1")  # the SDK adds it
        for n in SIZES:
            print(f"  N = {n}: the studio …", flush=True)
            before = faults.rate_limited_count(account)
            done, wall = studio_run(user, key, n, str(n))
            studio_429 = faults.rate_limited_count(account) - before
            results = {"studio": (done, wall, studio_429)}
            print(f"  N = {n}: the SDK, one job at a time, then one thread per job …", flush=True)
            refused = partial(faults.rate_limited_count, account)
            for way, figures in sdk_runs(base_url, key.api_key, n, str(n), refused).items():
                results[f"SDK, {way}"] = figures
            rows += anchor_rows(n, results)
    finally:
        studio.stop()
    notes = [
        "Anchor (bench/anchor.py): the provider's SDK imaginepro 0.1.0 (PyPI) as its README"
        " shows (imagine, then fetch_message every 2 s), one job at a time and one thread per"
        " job, beside the studio (shipped gunicorn config, qcluster, SUBMIT_SPACING and"
        f" WEBHOOKS as shipped) on one sandbox key, Midjourney imagine, SANDBOX_TIME_SCALE ="
        f" {SCALE:g}. The studio's time runs until stored; the SDK's until DONE (it stores"
        " nothing). The SDK gives a job up on any error answer (a 429 included).",
    ]
    if ERRORS:
        met = "; ".join(f"{count} × {text}" for text, count in ERRORS.most_common(3))
        notes.append(f"Anchor, what the SDK met: {met}")
    return rows, notes


def anchor_rows(n: int, results: dict[str, tuple[int, float, int]]) -> list[Row]:
    """Goal 9's rows for one N: the studio's, with the SDK's two ways as its baselines."""
    done, wall, refused = results.pop("studio")
    baseline = "; ".join(
        f"{way}: {d}/{n}, {r} × 429, {w:.1f} s" for way, (d, w, r) in results.items()
    )
    return [
        Row(
            f"9. anchor, N = {n} Midjourney jobs on one key: studio finished, 429s, wall",
            f"{done}/{n}, {refused} × 429, {wall:.1f} s",
            f"{n}/{n}, 0 × 429",
            done == n and refused == 0,
            baseline,
        )
    ]


def main() -> int:
    return report(run, "Studio bench, anchor")


if __name__ == "__main__":
    raise SystemExit(main())
