"""People and a team with one member per role (tests.factories makes generations with real
stored files with the ORM; the worker's own path is tested in tests/generation)."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches

from studio.teams.models import Role
from tests.factories import TeamFactory, UserFactory
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


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def charlie(db):
    """A stranger."""
    return UserFactory(username="charlie")


@pytest.fixture
def alice_client(alice):
    return client_for(alice)


@pytest.fixture
def team(db):
    """Studio Nord: olga owns it, cora creates, vera views."""
    return TeamFactory(
        name="Studio Nord",
        members={
            UserFactory(username=name): role
            for name, role in (("olga", Role.OWNER), ("cora", Role.CREATOR), ("vera", Role.VIEWER))
        },
    )


def member(team, username):
    return team.memberships.get(user__username=username).user
