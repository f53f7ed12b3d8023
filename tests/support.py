"""Helpers shared by tests: running the real worker against the sandbox, and walking the
URL conf."""

from __future__ import annotations

from django.test import Client
from django.urls import URLPattern, URLResolver

from studio.generation import assets, poller
from studio.generation.models import Generation
from studio.generation.submit import generation_submit
from tests.factories import FluxJobFactory


def run_to_final(generation: Generation, seconds: float = 15) -> Generation:
    """Submit as the task would, then run the poller (downloads inline) until nothing is
    active or `seconds` pass; return the generation as stored. Callers assert its status."""
    generation_submit(generation.pk)
    poller.poll_loop(start_download=assets.generation_download, seconds=seconds)
    generation.refresh_from_db()
    return generation


def client_for(user, team=None) -> Client:
    """A client signed in as `user`, working in `team`'s workspace (None: their own)."""
    client = Client()
    client.force_login(user)
    if team is not None:
        session = client.session
        session["workspace"] = str(team.pk)
        session.save()
    return client


def flux(user, key, prompt="a lighthouse at dusk") -> Generation:
    """One 256×256 Flux image on `key`, queued (not yet submitted): `FluxJobFactory`, under
    the name tests/generation/test_faults.py imports."""
    return FluxJobFactory(user=user, provider_key=key, prompt=prompt)


def walk(patterns, prefix="", namespace=""):
    """(route, "namespace:name" or None) of every URL pattern under `patterns` (e.g.
    get_resolver().url_patterns), includes followed, routes joined from their prefixes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield (
                prefix + str(pattern.pattern),
                (namespace + pattern.name) if pattern.name else None,
            )
