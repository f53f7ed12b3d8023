"""Helpers shared by tests: running the real worker against the sandbox, and walking the
URL conf."""

from __future__ import annotations

import time

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver

from studio.generation import assets, poller
from studio.generation.models import ACTIVE, Generation, Status
from studio.generation.submit import generation_submit
from tests.factories import FluxJobFactory


def run_to_final(generation: Generation, seconds: float = 15) -> Generation:
    """Submit as the task would, then run poller passes (downloads inline) until nothing is
    active or `seconds` pass; return the generation as stored. Callers assert its status.

    Once `generation` is final, other generations still QUEUED (waiting for a submit task
    no test cluster runs) do not keep the passes going: the next run_to_final submits them.
    """
    generation_submit(generation.pk)
    end = time.monotonic() + seconds
    while True:
        poller.poll_once(start_download=assets.generation_download)
        generation.refresh_from_db()
        waiting = Generation.objects.filter(status__in=ACTIVE)
        if generation.status not in ACTIVE:
            waiting = waiting.exclude(status=Status.QUEUED)
        if not waiting.exists() or time.monotonic() >= end:
            return generation
        time.sleep(settings.POLL_TICK)


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


class RateClock:
    """django-ratelimit's clock (it reads time.time() for its windows), moved by hand: a
    test's requests all fall in one window however slow the machine, until `advance`."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
