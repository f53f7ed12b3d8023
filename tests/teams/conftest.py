"""A team as most tests need it: alice owns "Acme", bob creates in it, vera views it,
charlie is a stranger. Clients are separate browsers (separate sessions)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from studio.teams import services
from studio.teams.models import Membership, Role, Team


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "Bob.Builder@Example.com", "correct-horse-42")


@pytest.fixture
def vera(db) -> User:
    return User.objects.create_user("vera", "vera@example.com", "correct-horse-42")


@pytest.fixture
def team(alice, bob, vera) -> Team:
    team = services.team_create(user=alice, name="Acme")
    Membership.objects.create(team=team, user=bob, role=Role.CREATOR)
    Membership.objects.create(team=team, user=vera, role=Role.VIEWER)
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
