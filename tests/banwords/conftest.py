"""Fixtures for banned words: a staff member, our list saved through the service, and a
fresh per-process cache around every test (rolled-back versions must not linger in it)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from studio.banwords import services
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_ban_cache():
    services.forget_cache()
    yield
    services.forget_cache()


@pytest.fixture
def staff(db) -> User:
    return UserFactory(username="sam", staff=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def ban(staff):
    """ban("gore", "blood bath") saves them as the next version of our list."""

    def save(*words: str, note: str = ""):
        return services.save_version(staff, list(words), note=note)

    return save
