"""The gallery at 1,000,000 generations (BENCH_GALLERY_GENERATIONS), over HTTP against
gunicorn started with the shipped config (docker/gunicorn.conf.py: 2 × CPUs + 1 workers),
cold and warm.

Goals (p95 of the time to the last byte, n beside it): the first page ≤ 30 ms with 24 cards
and ≤ 60 ms with 96; a deep page (keyset, `?after=`) ≤ 30 ms; a prompt search, common, rare
and without a match, ≤ 30 ms; the same number of queries at 24 and 96 cards and deep (each
with its cards drawn: a page whose cards are all cached reads neither their rows in full nor
their files, two queries fewer).

- cold: the first requests after gunicorn starts (fresh workers; the shared card cache as the
  last run left it, as after a deploy), gunicorn restarted before each page;
- warm: the same page after those, as a person browsing finds it;
- baseline: no card cached anywhere (the shared card cache emptied and gunicorn restarted
  before each request), and the old OFFSET link at the same depth as the deep page.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.table import Row, ms, percentile

ROOT = Path(__file__).resolve().parents[1]

# The goal's size; BENCH_GALLERY_GENERATIONS sets another (BENCH_QUICK=1: 100,000).
GENERATIONS = int(
    os.getenv("BENCH_GALLERY_GENERATIONS")
    or (100_000 if os.getenv("BENCH_QUICK") == "1" else 1_000_000)
)
TEAM_SHARE = 0.7  # the rest is the owner's personal gallery
REQUESTS = 100  # warm samples per page
COLD = 20  # cold samples per page, right after a start
WARMUP = 10
P95_GOAL = 0.030  # seconds
P95_GOAL_96 = 0.060
BATCH = 5000
OWNER = "bench-owner"

MJ_BUTTONS = ["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"]
UPSCALE_BUTTONS = ["Vary (Strong)", "Vary (Subtle)", "Zoom Out 2x", "Zoom Out 1.5x", "⬅️", "➡️"]
RATIOS = {"1:1": (1024, 1024), "16:9": (1456, 816), "9:16": (816, 1456), "3:2": (1232, 816)}
WORDS = [
    "lighthouse",
    "dusk",
    "fox",
    "snow",
    "city",
    "neon",
    "portrait",
    "forest",
    "river",
    "mountain",
    "cat",
    "robot",
    "garden",
    "ocean",
    "desert",
    "castle",
    "train",
    "bridge",
    "market",
    "rain",
]


def _is_built() -> bool:
    from studio.generation.models import Generation

    try:
        return Generation.objects.count() >= GENERATIONS
    except Exception:  # no tables yet
        return False


def _prompt(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))


def build() -> None:
    """A team with an owner, creators and viewers; 100,000 generations in a realistic mix
    (Midjourney grids with buttons, upscales, Flux, Nano Banana, videos, tools; done,
    running, failed) with their asset rows; a few percent starred. Files are not written:
    the gallery only links to them."""
    from django.contrib.auth.models import User

    from studio.gallery.models import Collection, CollectionItem, Favourite
    from studio.generation.models import Action, Asset, Generation, Model, Status
    from studio.teams.models import Membership, Role, Team

    rng = random.Random(4)
    owner = User.objects.create_user(OWNER, "owner@bench.invalid", "bench-password-42")
    team = Team.objects.create(name="Bench team", created_by=owner)
    Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    members = [owner]
    for n in range(6):
        person = User.objects.create_user(f"bench-member-{n}", f"m{n}@bench.invalid", "x")
        Membership.objects.create(
            team=team, user=person, role=Role.CREATOR if n < 4 else Role.VIEWER
        )
        if n < 4:
            members.append(person)
    board = Collection.objects.create(team=team, owner=owner, name="Board")

    if connection.vendor == "sqlite":
        # Random UUID keys land all over the id indexes: with SQLite's default 2 MB page cache
        # a million rows spend most of their time re-reading index pages.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1048576")  # KiB: 1 GiB, this connection only
    created_at = Generation._meta.get_field("created_at")
    created_at.auto_now_add = False  # the bench spreads rows over 90 days
    now = timezone.now()
    try:
        for start in range(0, GENERATIONS, BATCH):
            generations, assets, favourites, items = [], [], [], []
            for n in range(start, min(start + BATCH, GENERATIONS)):
                in_team = rng.random() < TEAM_SHARE
                maker = rng.choice(members) if in_team else owner
                roll = rng.random()
                status = (
                    Status.DONE
                    if roll < 0.85
                    else Status.FAILED
                    if roll < 0.95
                    else Status.PROCESSING
                )
                kind = rng.random()
                ratio = rng.choice(list(RATIOS))
                g = Generation(
                    id=uuid.uuid4(),
                    user=maker,
                    team=team if in_team else None,
                    is_sandbox=True,
                    status=status,
                    prompt=_prompt(rng),
                    cost=rng.choice([5, 6, 10, 12]),
                    progress=100 if status == Status.DONE else rng.randint(0, 90),
                    created_at=now - timedelta(seconds=(GENERATIONS - n) * 77),
                    aspect_ratio=ratio if status == Status.DONE else "",
                    error="Banned prompt detected" if status == Status.FAILED else "",
                )
                g.root_id = g.pk
                images = 0
                if kind < 0.4:
                    g.model, g.buttons, images = Model.MIDJOURNEY, MJ_BUTTONS, 4
                    g.request_body = {"prompt": g.prompt}
                elif kind < 0.55:
                    g.model, g.action, g.button = Model.MIDJOURNEY, Action.BUTTON, "U2"
                    g.buttons, images = UPSCALE_BUTTONS, 1
                elif kind < 0.75:
                    g.model, images = Model.FLUX, rng.randint(1, 2)
                elif kind < 0.85:
                    g.model, images = Model.NANO_BANANA, 1
                elif kind < 0.92:
                    g.model, g.action = Model.VIDEO, Action.VIDEO
                else:
                    g.model, g.action, images = Model.TOOLS, Action.UPSCALE, 1
                    g.request_body = {"scale": 2}
                generations.append(g)
                if status == Status.DONE:
                    width, height = RATIOS[ratio]
                    folder = f"generations/{g.pk}"
                    for index in range(1, images + 1):
                        assets.append(
                            Asset(
                                generation=g,
                                role=Asset.Role.IMAGE,
                                index=index,
                                file=f"{folder}/image-{index}.png",
                                thumbnail=f"{folder}/image-{index}-thumb.webp",
                                content_type="image/png",
                                width=width,
                                height=height,
                                bytes=1_500_000,
                                sha256="0" * 64,
                                source_url="https://bench.invalid/x.png",
                            )
                        )
                    if g.model == Model.MIDJOURNEY and g.action != Action.BUTTON:
                        assets.append(
                            Asset(
                                generation=g,
                                role=Asset.Role.GRID,
                                index=1,
                                file=f"{folder}/grid-1.png",
                                thumbnail=f"{folder}/grid-1-thumb.webp",
                                content_type="image/png",
                                width=width * 2,
                                height=height * 2,
                                sha256="0" * 64,
                                source_url="https://bench.invalid/grid.png",
                            )
                        )
                    if g.model == Model.VIDEO:
                        assets.append(
                            Asset(
                                generation=g,
                                role=Asset.Role.VIDEO,
                                index=1,
                                file=f"{folder}/video-1.mp4",
                                thumbnail=f"{folder}/video-1-poster.webp",
                                content_type="video/mp4",
                                width=width,
                                height=height,
                                duration=5.0,
                                sha256="0" * 64,
                                source_url="https://bench.invalid/v.mp4",
                            )
                        )
                if rng.random() < 0.04:
                    favourites.append(Favourite(user=owner, generation=g))
                if in_team and rng.random() < 0.01:
                    items.append(CollectionItem(collection=board, generation=g))
            with transaction.atomic():
                Generation.objects.bulk_create(generations)
                Asset.objects.bulk_create(assets)
                Favourite.objects.bulk_create(favourites)
                CollectionItem.objects.bulk_create(items)
            print(f"\r  built {start + len(generations):,} generations", end="", flush=True)
    finally:
        created_at.auto_now_add = True
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as a long-lived database has


def _session_cookie(team_id) -> str:
    """A signed-in session of the team's owner with the team as workspace (test client)."""
    return _client(team_id).cookies["sessionid"].value


def _client(team_id):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=OWNER))
    session = client.session
    session["workspace"] = str(team_id)
    session.save()
    return client


class Web:
    """gunicorn with the shipped config (docker/gunicorn.conf.py) on the bench's database."""

    def __init__(self, port: int, log: Path) -> None:
        from bench.harness import Process

        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "False",
        }
        self.process = Process(
            "web server",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "docker" / "gunicorn.conf.py"),
                "--no-control-socket",  # its default path is shared by every gunicorn
                "studio.wsgi:application",
            ],
            log,
        )

    def start(self) -> None:
        self.process.start(self.env)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                # Not the gallery: its first drawing is what "cold" measures.
                if requests.get(f"{self.url}/accounts/login/", timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer; see {self.process.log}")

    def stop(self) -> None:
        self.process.stop()

    def restart(self) -> None:
        self.stop()
        self.start()


def _get(session: requests.Session, url: str, headers: dict) -> float:
    started = time.perf_counter()
    response = session.get(url, headers=headers, timeout=60)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def _series(session, url: str, headers: dict, count: int, before=None) -> list[float]:
    times = []
    for _ in range(count):
        if before:
            before()
        times.append(_get(session, url, headers))
    return times


def _clear_cards() -> None:
    for alias in caches:
        caches[alias].clear()


def _deep_cursor(team) -> tuple[str, int]:
    """A cursor near the end of the team's wall, and the old page number at that depth."""
    from studio.gallery.pages import cursor_of
    from studio.generation.models import Generation

    wall = Generation.objects.filter(team=team).order_by("-created_at", "-id")
    depth = wall.count() - 50
    return cursor_of(wall[depth]), depth // 24 + 2


def _queries(client, url: str, *, drawn: bool, **headers) -> int:
    """The queries of one request for `url`, the session warm; `drawn`: with the card
    cache emptied first, so every card is drawn (a page reads its cards' rows and files
    only when it draws one: a cached page of finished cards costs two queries fewer)."""
    client.get(url, headers=headers)  # the session warm, as for a person browsing
    if drawn:
        caches["cards"].clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured.captured_queries)


def _row(name: str, cold: list[float], warm: list[float], goal: float, baseline="") -> list[Row]:
    rows = []
    for label, times in (("cold", cold), ("warm", warm)):
        p95 = percentile(times, 0.95)
        rows.append(
            Row(
                f"gallery {name}, {label}: p95 (p50 {ms(percentile(times, 0.5))}, n={len(times)})",
                ms(p95),
                f"≤ {goal * 1000:.0f} ms",
                p95 <= goal,
                baseline if label == "cold" else "",
            )
        )
    return rows


def run(*, rebuild: bool = False) -> list[Row]:
    """Build the database when needed, then measure over HTTP; returns the table's rows."""
    from bench.harness import free_port
    from studio.teams.models import Team

    database = connection.settings_dict["NAME"]
    if rebuild and _is_built():
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            path = f"{database}{suffix}"
            if os.path.exists(path):
                os.remove(path)
    call_command("migrate", verbosity=0, interactive=False)
    if not _is_built():
        print(f"Building {GENERATIONS:,} generations in {database} (once) …")
        started = time.perf_counter()
        build()
        print(f"  built in {time.perf_counter() - started:.0f} s")
    team = Team.objects.get(name="Bench team")
    cookie = {"Cookie": f"sessionid={_session_cookie(team.pk)}"}
    htmx = {**cookie, "HX-Request": "true", "HX-Target": "gallery-grid"}
    cursor, old_page = _deep_cursor(team)
    pages = [
        ("first page, 24 cards", "/?per_page=24", cookie, P95_GOAL),
        ("first page, 96 cards", "/?per_page=96", cookie, P95_GOAL_96),
        ("deep page (more, near the end)", f"/?after={cursor}", htmx, P95_GOAL),
        ("search, common word", "/?q=lighthouse", htmx, P95_GOAL),
        ("search, rare phrase", "/?q=fox+snow+city", htmx, P95_GOAL),
        ("search, no match", "/?q=zebra", htmx, P95_GOAL),
        ("search, no match, deep", f"/?q=zebra&after={cursor}", htmx, P95_GOAL),
    ]
    port = int(os.getenv("BENCH_PORT") or free_port())
    web = Web(port, Path(database).parent / "gallery-web.log")
    session = requests.Session()
    rows = []
    web.start()
    try:
        baseline = {}

        def nothing_cached() -> None:  # the shared files, and each worker's memory
            _clear_cards()
            web.restart()

        for name, path, headers, _ in pages[:2]:
            print(f"  {name}: no card cached …", flush=True)
            times = _series(session, web.url + path, headers, COLD, before=nothing_cached)
            baseline[name] = f"{ms(percentile(times, 0.95))} p95, n={len(times)} (no card cached)"
        print(f"  deep page by OFFSET (?page={old_page:,}) …", flush=True)
        offset = _series(session, f"{web.url}/?page={old_page}", htmx, COLD)
        baseline[pages[2][0]] = f"{ms(percentile(offset, 0.95))} p95, n={COLD} (old ?page=)"
        for name, path, headers, goal in pages:
            print(f"  {name}: cold, then warm …", flush=True)
            web.restart()
            cold = _series(session, web.url + path, headers, COLD)
            _series(session, web.url + path, headers, WARMUP)
            warm = _series(session, web.url + path, headers, REQUESTS)
            rows += _row(name, cold, warm, goal, baseline.get(name, ""))
    finally:
        web.stop()
    client = _client(team.pk)
    urls = {
        "24": "/?per_page=24",
        "96": "/?per_page=96",
        "deep": f"/?after={cursor}",
        "search": "/?q=fox+snow+city&per_page=96",
    }
    counts = {name: _queries(client, url, drawn=True) for name, url in urls.items()}
    cached = {name: _queries(client, url, drawn=False) for name, url in urls.items()}
    rows.append(
        Row(
            "gallery queries, cards drawn: 96 cards / deep page",
            f"{counts['96']} / {counts['deep']}",
            f"= 24 cards ({counts['24']})",
            counts["24"] == counts["96"] == counts["deep"],
            f"search: {counts['search']} (the prompt index: +1, +2 past its window's"
            f" matches); as cached (running cards"
            f" drawn): {cached['24']} / {cached['96']} / {cached['deep']}",
        )
    )
    rows.append(Row("generations in the database", f"{GENERATIONS:,}"))
    return rows
