"""People, a team with one member per role, and generations with real stored files, made
with the ORM (the worker's own path is tested in tests/generation)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from studio.generation import assets
from studio.generation.models import Asset, Generation, Model, Status
from studio.teams.models import Membership, Role, Team
from tests.support import client_for  # noqa: F401 (used by the library tests)

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The gallery caches each workspace's ratios and cards' HTML; ids repeat between tests."""
    cache.clear()
    caches["cards"].clear()
    yield
    cache.clear()
    caches["cards"].clear()


def make_user(username: str) -> User:
    return User.objects.create_user(username, f"{username}@example.com", "correct-horse-42")


def png_bytes(size=(64, 48), color=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def make_generation(user, *, team=None, minutes_ago: float = 0, **fields) -> Generation:
    """A generation row as the worker would leave it, created `minutes_ago`."""
    fields.setdefault("model", Model.MIDJOURNEY)
    fields.setdefault("prompt", "a lighthouse at dusk")
    fields.setdefault("status", Status.DONE)
    generation = Generation.objects.create(user=user, team=team, **fields)
    created = timezone.now() - timedelta(minutes=minutes_ago)
    Generation.objects.filter(pk=generation.pk).update(created_at=created)
    generation.created_at = created
    return generation


def make_asset(generation, index=1, *, size=(64, 48), color=(200, 80, 40), role="image"):
    """A stored file and its thumbnail, as assets.store_asset would leave them."""
    data = png_bytes(size, color)
    asset = Asset(
        generation=generation,
        role=role,
        index=index,
        content_type="image/png",
        width=size[0],
        height=size[1],
        bytes=len(data),
        sha256="0" * 64,
        source_url="https://example.invalid/x.png",
    )
    asset.file.save(f"{role}-{index}.png", ContentFile(data), save=False)
    asset.thumbnail.save(
        f"{role}-{index}-thumb.webp",
        ContentFile(assets.make_thumbnail(Image.open(io.BytesIO(data)))),
        save=False,
    )
    asset.save()
    return asset


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def charlie(db):
    """A stranger."""
    return make_user("charlie")


@pytest.fixture
def alice_client(alice):
    return client_for(alice)


def make_team() -> Team:
    """Studio Nord: olga owns it, cora creates, vera views."""
    team = Team.objects.create(name="Studio Nord")
    for name, role in (("olga", Role.OWNER), ("cora", Role.CREATOR), ("vera", Role.VIEWER)):
        Membership.objects.create(team=team, user=make_user(name), role=role)
    return team


@pytest.fixture
def team(db):
    return make_team()


def member(team, username):
    return team.memberships.get(user__username=username).user
