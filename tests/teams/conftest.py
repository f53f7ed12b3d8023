"""A team as most tests need it: alice owns "Acme", bob creates in it, vera views it,
charlie is a stranger. Clients are separate browsers (separate sessions)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from studio.teams import services
from studio.teams.models import Role, Team
from tests.factories import MembershipFactory, UserFactory
from tests.support import client_for

login = client_for  # a client signed in as a person (a separate browser)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def bob(db) -> User:
    return UserFactory(username="bob", email="Bob.Builder@Example.com")


@pytest.fixture
def vera(db) -> User:
    return UserFactory(username="vera")


@pytest.fixture
def team(alice, bob, vera) -> Team:
    team = services.team_create(user=alice, name="Acme")
    MembershipFactory(team=team, user=bob, role=Role.CREATOR)
    MembershipFactory(team=team, user=vera, role=Role.VIEWER)
    return team


@pytest.fixture
def bob_client(bob) -> Client:
    return login(bob)


@pytest.fixture
def vera_client(vera) -> Client:
    return login(vera)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return login(charlie)
