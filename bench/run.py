"""`make bench`: the studio's measured figures as one table (measure, value, goal, baseline).

Seven parts, each on throw-away files under var/bench/, never the development database:

- live (bench/live.py, run as a child process on var/bench/live/): the studio started as real
  processes (gunicorn + qcluster) and measured against its sandbox — added latency from the
  provider's DONE to the gallery with and without webhooks, generations in flight per key
  against the official SDK's loop, form submit time, memory;
- polling (bench/polling.py, a child process on var/bench/polling/): the poller with 100
  then 1,000 generations in flight on one key beside a light key, as the sandbox counts its
  requests: longest stretch without a fetch, fetches per second, 429s, the light key's
  DONE → known, DONE → stored (`BENCH_POLL_SECONDS` shortens its 5-minute run);
- visible (bench/visible.py, a child process on var/bench/visible/): DONE → the image's load
  event on the gallery in chromium, for one job, 100 in flight (25 a key) and a stress row of
  100 ending together;
- anchor (bench/anchor.py, a child process on var/bench/anchor/): the provider's own SDK
  (PyPI `imaginepro` 0.1.0) as its README shows, one job at a time and one thread per job,
  beside the studio on one sandbox key and the same Midjourney jobs: jobs finished, 429s,
  wall time at N = 5, 30, 100 (`BENCH_ANCHOR_N` sets the sizes);
- gallery (bench/gallery.py, gunicorn started by this process): first pages, a deep page and
  prompt searches on a 1,000,000-generation database (BENCH_GALLERY_GENERATIONS) built once
  (`BENCH_REBUILD=1` builds it again);
- storage (bench/storage.py, in this process): storing a result, serving thumbnails and a
  video seek on an S3 API on loopback beside the local disk;
- storage_live (bench/storage_live.py, a child process on var/bench/storage_live/): the
  studio as real processes, once on the local disk and once on an S3 API on loopback:
  DONE → stored with 30 Flux jobs in flight, and the gallery's first page with its 24
  thumbnails over HTTP (`BENCH_STORE_JOBS`, `BENCH_STORE_ROUNDS` set the sizes).

Run from the repository root: `python bench/run.py`. `BENCH_QUICK=1` runs smaller sizes;
`BENCH_ONLY` names the parts to run, comma-separated (`live`, `polling`, `visible`,
`anchor`, `gallery`, `storage`, `storage_live`). The settings are the production ones (DEBUG off,
cached templates) pointed at var/bench/ by environment. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"


def configure() -> None:
    """Environment for the production settings on the bench's own files."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["STUDIO_VAR_DIR"] = str(BENCH_DIR)
    os.environ["SQLITE_PATH"] = str(BENCH_DIR / "bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(BENCH_DIR / "media")
    os.environ["STATIC_ROOT"] = str(BENCH_DIR / "static")  # WhiteNoise wants it to exist
    (BENCH_DIR / "static").mkdir(exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings"
    os.environ["DEBUG"] = "False"
    os.environ["SANDBOX_ENABLED"] = "True"  # the bench talks to the sandbox
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault(
        "FIELD_ENCRYPTION_KEYS", "bXlfYmVuY2hfb25seV9rZXlfMzJfYnl0ZXNfbG9uZyE="
    )  # a fixed throw-away Fernet key: the bench stores no real key
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["SECURE_SSL_REDIRECT"] = "False"  # the test client speaks plain HTTP


def part(name: str = "live") -> tuple[list, list[str]]:
    """Run bench/<name>.py in its own process (its own database); its rows and notes."""
    from bench.table import Row

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / f"{name}.json"
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--json", str(out)],
            cwd=ROOT,
            env=env,
        )
        if done.returncode != 0 or not out.exists():
            failed = f"the run failed (exit {done.returncode})"
            return [Row(f"{name} figures", failed, "", False)], []
        data = json.loads(out.read_text())
    return [Row(**row) for row in data["rows"]], data["notes"]


def main() -> int:
    only = {name.strip() for name in os.getenv("BENCH_ONLY", "").split(",") if name.strip()}

    def wanted(name: str) -> bool:
        return not only or name in only

    rows, notes = [], []
    for name in ("live", "polling", "visible", "anchor"):  # each in its own process and database
        if wanted(name):
            more, more_notes = part(name)
            rows, notes = rows + more, notes + more_notes
    if wanted("gallery"):
        configure()
        import django

        django.setup()

        from bench import gallery

        rows += gallery.run(rebuild=os.getenv("BENCH_REBUILD") == "1")
        notes.append(
            "Gallery: over HTTP against gunicorn (docker/gunicorn.conf.py) on"
            " var/bench/bench.sqlite3; cold = the first requests after a start, gunicorn"
            " restarted before each page; baseline = no card cached, or the old ?page= link."
        )
    if wanted("storage_live"):  # a child process: it starts the studio, local then S3
        more, more_notes = part("storage_live")
        rows, notes = rows + more, notes + more_notes
    if wanted("storage"):
        configure()
        import django

        django.setup()

        from bench import storage

        rows += storage.run()
        notes.append(
            "Object store: moto in server mode on loopback (a real S3 API over HTTP); the"
            " baseline is the local disk in the same run. A remote store adds its round trips."
        )
    from bench.table import print_table

    quick = " (BENCH_QUICK=1: smaller sizes)" if os.getenv("BENCH_QUICK") == "1" else ""
    print()
    print_table(rows, title=f"Studio bench on this machine{quick}")
    print()
    for note in notes:
        print(note)
    missed = [row.measure.strip() for row in rows if row.met is False]
    if missed:
        print(f"\n{len(missed)} goal(s) missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
