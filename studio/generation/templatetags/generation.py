"""Template filters of generations: the provider's buttons as people read them, and whether
a card may be cancelled. Load with `{% load generation %}`."""

from __future__ import annotations

import re

from django import template

from studio.generation import cancel, costs, presses

register = template.Library()

# Friendly names of the provider's buttons (docs/provider-contract.md §4). Only the label changes: the
# value sent stays the provider's, verbatim, and shows on hover.
_BUTTON_WORDS = {
    "\U0001f504": "Reroll",  # 🔄
    "\u2b05\ufe0f": "Pan ←",  # ⬅️
    "\u27a1\ufe0f": "Pan →",  # ➡️
    "\u2b06\ufe0f": "Pan ↑",  # ⬆️
    "\u2b07\ufe0f": "Pan ↓",  # ⬇️
}
_TILE = re.compile(r"([UV])([1-4])")


@register.filter
def button_label(button: str) -> str:
    """A button's name for people: "U1" → "Upscale 1", "V2" → "Vary 2", "🔄" → "Reroll",
    "⬅️" → "Pan ←"; every other value (Vary (Strong), Zoom Out 2x, unknown ones) as it is."""
    tile = _TILE.fullmatch(button)
    if tile:
        return f"{'Upscale' if tile.group(1) == 'U' else 'Vary'} {tile.group(2)}"
    return _BUTTON_WORDS.get(button, button)


@register.filter
def button_cost(button: str) -> int | None:
    """Published credits of a press (5 for U/V), or None where the provider's table is silent."""
    return costs.button_known(button)


@register.filter
def button_title(button: str) -> str:
    """Hover text: the value sent and its price, e.g. "V1 · 5 credits", or "Zoom Out 2x ·
    price not published (5 credits recorded as an estimate)"."""
    known = costs.button_known(button)
    if known is not None:
        return f"{button} · {known} credits"
    return (
        f"{button} · price not published ({costs.button(button)} credits recorded as an estimate)"
    )


@register.filter
def button_id(button: str) -> str:
    """A value fit for an HTML id: letters and digits kept, anything else as its code point."""
    return "".join(c if c.isascii() and c.isalnum() else f"-{ord(c):x}" for c in button)


@register.filter
def takes_remix(button: str) -> bool:
    """V1–V4 and 🔄 may carry a remix prompt."""
    return presses.takes_remix(button)


@register.filter
def is_vary_region(button: str) -> bool:
    return button == presses.VARY_REGION


@register.filter
def is_cancel_job(button: str) -> bool:
    """Cancel Job works only on running jobs: the card's Cancel button, never a press."""
    return button == presses.CANCEL_JOB


@register.filter
def cancellable(generation) -> bool:
    return cancel.can_cancel(generation)
