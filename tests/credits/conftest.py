"""A team for the ledger and cap tests: Acme, owned by alice and bob, with carol (creator)
and vera (viewer), and a team sandbox key."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from studio.accounts.services import sandbox_key_create
from studio.teams.models import Membership, Role, Team
from tests.support import client_for


def make_user(username: str) -> User:
    return User.objects.create_user(username, f"{username}@example.com", "correct-horse-42")


login = client_for  # a client signed in as a person, working in a team's workspace or none


@pytest.fixture
def bob(db) -> User:
    return make_user("bob")


@pytest.fixture
def carol(db) -> User:
    return make_user("carol")


@pytest.fixture
def vera(db) -> User:
    return make_user("vera")


@pytest.fixture
def acme(alice, bob, carol, vera) -> Team:
    team = Team.objects.create(name="Acme", created_by=alice)
    Membership.objects.create(team=team, user=alice, role=Role.OWNER)
    Membership.objects.create(team=team, user=bob, role=Role.OWNER)
    Membership.objects.create(team=team, user=carol, role=Role.CREATOR)
    Membership.objects.create(team=team, user=vera, role=Role.VIEWER)
    return team


@pytest.fixture
def team_key(acme, alice):
    """Acme's sandbox key (added by alice; its creators spend with it)."""
    key = sandbox_key_create(user=alice)
    key.team = acme
    key.name = "Acme sandbox"
    key.save(update_fields=["team", "name"])
    return key


def set_caps(team: Team, *, team_cap=None, **member_caps) -> None:
    """Set the team's cap and members' caps by username."""
    team.monthly_cap = team_cap
    team.save(update_fields=["monthly_cap"])
    for username, cap in member_caps.items():
        Membership.objects.filter(team=team, user__username=username).update(monthly_cap=cap)
