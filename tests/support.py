"""Helpers shared by tests: running the real worker against the sandbox, and walking the
URL conf."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver
from PIL import Image

from studio.generation import assets, poller, services
from studio.generation.models import Asset, Generation, Model, Status
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


def png(color=(30, 90, 200)) -> bytes:
    """A 96×64 PNG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (96, 64), color).save(out, "PNG")
    return out.getvalue()


def sandbox_generation(user, key, team=None, status=Status.DONE, prompt="", **fields) -> Generation:
    """A Midjourney generation row of `key` (a sandbox key) in `status`, its own root; DONE
    ones carry two buttons. Nothing is sent anywhere."""
    generation = Generation.objects.create(
        user=user,
        team=team,
        provider_key=key,
        is_sandbox=True,
        model=Model.MIDJOURNEY,
        prompt=prompt,
        status=status,
        message_id=f"msg-{Generation.objects.count()}",
        buttons=["U1", "V1"] if status == Status.DONE else [],
        **fields,
    )
    generation.root_id = generation.pk
    generation.save(update_fields=["root"])
    return generation


def image_asset(generation) -> Asset:
    """A stored 96×64 PNG asset (with its thumbnail) of `generation`."""
    data = png()
    asset = Asset(
        generation=generation,
        role=Asset.Role.IMAGE,
        index=1,
        content_type="image/png",
        width=96,
        height=64,
        bytes=len(data),
        sha256="0" * 64,
        source_url="https://example.invalid/x.png",
    )
    asset.file.save("image-1.png", ContentFile(data), save=False)
    thumb = assets.make_thumbnail(Image.open(io.BytesIO(data)))
    asset.thumbnail.save("image-1-thumb.webp", ContentFile(thumb), save=False)
    asset.save()
    return asset
