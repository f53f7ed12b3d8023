"""Helpers shared by tests that run the real worker against the sandbox."""

from __future__ import annotations

from django.test import Client

from studio.generation import assets, poller, services
from studio.generation.models import Generation
from studio.generation.submit import generation_submit


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
    """One 256×256 Flux image on `key`, queued (not yet submitted)."""
    return services.flux_create(
        user=user,
        provider_key=key,
        prompt=prompt,
        n=1,
        output_format="png",
        width=256,
        height=256,
        params={},
    )
