"""The gallery's first page on 100,000 generations: server time (p50, p95) and query count,
for 24 and 96 cards per page, measured through the real view with Django's test client.

Goals: p95 ≤ 30 ms, and the same number of queries for 24 and 96 cards.
The times are those of a person browsing (finished cards cached after their first drawing);
a further row gives the page with an empty card cache.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import timedelta

from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.table import Row, ms, percentile

GENERATIONS = 100_000
TEAM_SHARE = 0.7  # the rest is the owner's personal gallery
REQUESTS = 200
WARMUP = 10
P95_GOAL = 0.030  # seconds
BATCH = 2000
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


def _client(team_id) -> Client:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.get(username=OWNER))
    session = client.session
    session["workspace"] = str(team_id)
    session.save()
    return client


def _time(client: Client, url: str) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def _clear_caches() -> None:
    """Every cache alias (the finished cards may live in their own)."""
    for alias in caches:
        caches[alias].clear()


def _time_cold(client: Client, url: str, count: int) -> list[float]:
    """The page with no card in the cache (as after a restart, or for cards just changed):
    the cache is emptied before each request, outside the timing."""
    times = []
    for _ in range(count):
        _clear_caches()
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def _workspace(team):
    from studio.teams.access import Workspace
    from studio.teams.models import Role

    return Workspace(team=team, role=Role.OWNER)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def run(*, rebuild: bool = False) -> list[Row]:
    """Build the database when needed, then measure; returns the table's rows."""
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
    client = _client(team.pk)
    _clear_caches()

    rows, counts, cold = [], {}, {}
    for per_page in (24, 96):
        # Finished cards come from a cache (studio.gallery.templatetags.cards); the
        # baseline is the page when none is there yet.
        cold[per_page] = _time_cold(client, f"/?per_page={per_page}", REQUESTS // 4)
    _clear_caches()
    for per_page in (24, 96):
        url = f"/?per_page={per_page}"
        print(f"  measuring {url} ({REQUESTS} requests) …", flush=True)
        times = _time(client, url)
        counts[per_page] = _queries(client, url)  # warm, as a person browsing finds it
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        rows.append(
            Row(
                f"gallery first page, {per_page} cards: p50",
                ms(p50),
                baseline=f"{ms(percentile(cold[per_page], 0.5))} (no card cached)",
            )
        )
        rows.append(
            Row(
                f"gallery first page, {per_page} cards: p95",
                ms(p95),
                "≤ 30 ms",
                p95 <= P95_GOAL,
                f"{ms(percentile(cold[per_page], 0.95))} (no card cached)",
            )
        )
    rows.append(
        Row(
            "gallery first page, 96 cards: queries",
            str(counts[96]),
            "same as 24 cards",
            counts[24] == counts[96],
            f"{counts[24]} (24 cards)",
        )
    )
    # The ratio choices are cached for a minute; this is what one request a minute pays.
    from studio.gallery.pages import workspace_ratios

    _clear_caches()
    started = time.perf_counter()
    workspace_ratios(_workspace(team), team.memberships.get(role="owner").user)
    rows.append(
        Row("aspect-ratio choices, uncached (once a minute)", ms(time.perf_counter() - started))
    )
    rows.append(Row("generations in the database", f"{GENERATIONS:,}"))
    return rows
