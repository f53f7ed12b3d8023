"""Template helpers for ImagineLab outputs on cards and detail pages (no queries: they read
the generation's prefetched `assets`)."""

from __future__ import annotations

from django import template

from studio.generation.models import Asset

register = template.Library()


@register.filter
def audio_assets(generation) -> list:
    """The generation's stored audio files (voice, music) in order."""
    return [asset for asset in generation.assets.all() if asset.role == Asset.Role.AUDIO]
