"""Where the gallery's first page spends its time: cProfile around the test-client request
on the bench database (run `make bench` once first). `python bench/profile_gallery.py [24|96]`
prints the top functions by cumulative and own time."""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import configure  # noqa: E402


def main() -> int:
    configure()
    import django

    django.setup()
    from bench import gallery
    from studio.teams.models import Team

    per_page = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    client = gallery._client(Team.objects.get(name="Bench team").pk)
    url = f"/?per_page={per_page}"
    for _ in range(5):
        client.get(url)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        client.get(url)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
