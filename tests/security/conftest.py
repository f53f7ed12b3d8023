"""The access matrix's world (people, teams, keys, generations, links) for every security test."""

from __future__ import annotations

from tests.security.test_access_matrix import world  # noqa: F401  (a fixture, used by name)
