"""Template helpers for ImagineLab outputs on cards and detail pages (no queries: they read
the generation's prefetched `assets`)."""

from __future__ import annotations

from django import template

from studio.generation.models import Asset
from studio.imaginelab.types import type_of

register = template.Library()


@register.filter
def audio_assets(generation) -> list:
    """The generation's stored audio files (voice, music) in order."""
    return [asset for asset in generation.assets.all() if asset.role == Asset.Role.AUDIO]


@register.filter
def lab_type(generation) -> str:
    """The ImagineLab generation type of a generation ("imagine" → "image")."""
    return type_of(generation.action)
