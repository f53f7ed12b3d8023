"""A team for the ledger and cap tests: Acme, owned by alice and bob, with carol (creator)
and vera (viewer), and a team sandbox key."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from studio.teams.models import Membership, Role, Team
from tests.factories import ProviderKeyFactory, TeamFactory, UserFactory
from tests.support import client_for

login = client_for  # a client signed in as a person, working in a team's workspace or none


@pytest.fixture
def bob(db) -> User:
    return UserFactory(username="bob")


@pytest.fixture
def carol(db) -> User:
    return UserFactory(username="carol")


@pytest.fixture
def vera(db) -> User:
    return UserFactory(username="vera")


@pytest.fixture
def acme(alice, bob, carol, vera) -> Team:
    return TeamFactory(
        name="Acme",
        created_by=alice,
        members={alice: Role.OWNER, bob: Role.OWNER, carol: Role.CREATOR, vera: Role.VIEWER},
    )


@pytest.fixture
def team_key(acme, alice):
    """Acme's sandbox key (added by alice; its creators spend with it)."""
    return ProviderKeyFactory(user=alice, team=acme, name="Acme sandbox")


def set_caps(team: Team, *, team_cap=None, **member_caps) -> None:
    """Set the team's cap and members' caps by username."""
    team.monthly_cap = team_cap
    team.save(update_fields=["monthly_cap"])
    for username, cap in member_caps.items():
        Membership.objects.filter(team=team, user__username=username).update(monthly_cap=cap)
