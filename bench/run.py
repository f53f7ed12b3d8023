"""`make bench`: build a throw-away database under var/bench/ (once; `BENCH_REBUILD=1` builds
it again) and print the studio's measured figures as one table.

Run from the repository root: `python bench/run.py`. The settings are the production ones
(DEBUG off, cached templates) pointed at var/bench/ by environment, so nothing touches the
development database.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault(
        "FIELD_ENCRYPTION_KEYS", "bXlfYmVuY2hfb25seV9rZXlfMzJfYnl0ZXNfbG9uZyE="
    )  # a fixed throw-away Fernet key: the bench stores no real key
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


def main() -> int:
    configure()
    import django

    django.setup()

    from bench import gallery
    from bench.table import print_table

    rebuild = os.getenv("BENCH_REBUILD") == "1"
    rows = gallery.run(rebuild=rebuild)
    print()
    print_table(rows, title="Studio bench (var/bench/bench.sqlite3)")
    return 0 if all(row.met is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
