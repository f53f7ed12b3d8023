"""Shared by the security tests: the access matrix's world (people, teams, keys, generations,
links), and rate-limit counters that start from zero in every test."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from tests.security.test_access_matrix import built_world, world  # noqa: F401  (fixtures, used by name)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """The counters live in a per-process cache that outlives a test's database."""
    caches[settings.RATELIMIT_USE_CACHE].clear()
    yield
    caches[settings.RATELIMIT_USE_CACHE].clear()
