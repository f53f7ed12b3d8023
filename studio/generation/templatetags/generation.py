"""Template filters of generations: the provider's buttons as people read them, and whether
a card may be cancelled. Load with `{% load generation %}`."""

from __future__ import annotations

import json

from django import template
from django.utils.html import format_html

from studio.generation import buttons, cancel, costs, presses

register = template.Library()


@register.filter
def button_label(button: str) -> str:
    """A button's name for people (`buttons.name`): "U1" → "Upscale 1", "🔄" → "Reroll",
    "⬅️" → "Pan left"; the value sent stays the provider's and shows on hover."""
    return buttons.name(button)


@register.filter
def button_cost(button: str) -> int | None:
    """Published credits of a press (5 for U/V), or None where the provider's table is silent."""
    return costs.button_known(button)


@register.filter
def button_title(button: str) -> str:
    """Hover text: the value sent and its price, e.g. "V1 · 5 credits", or "Zoom Out 2x ·
    about 5 credits (an estimate: the provider does not publish this price)"."""
    known = costs.button_known(button)
    if known is not None:
        return f"{button} · {known} credits"
    return f"{button} · about {costs.button(button)} credits ({costs.ESTIMATE_NOTE})"


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


@register.filter
def button_price(button: str) -> str:
    """A press's price in words: "5 credits" when published, else `about_credits`."""
    known = costs.button_known(button)
    return f"{known} credits" if known is not None else about_credits(costs.button(button))


@register.filter
def about_credits(credits: int) -> str:
    """An estimated price in plain words, its reason on hover: `about 5 credits` in a span
    whose title says the provider does not publish this price (costs.ESTIMATE_NOTE)."""
    note = costs.ESTIMATE_NOTE[0].upper() + costs.ESTIMATE_NOTE[1:]
    return format_html('<span class="estimate" title="{}.">about {} credits</span>', note, credits)


@register.filter
def as_json(value) -> str:
    """A request body as people may read it: indented JSON (true, null, "quotes"), never
    Python's repr ({'prompt': …, True, None}). The prompt comes first: PostgreSQL's jsonb
    keeps keys in its own order, not the order they were sent in."""
    if isinstance(value, dict) and "prompt" in value:
        value = {"prompt": value["prompt"], **value}
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@register.filter
def plain_value(value) -> str:
    """A setting's value in words: yes / no for booleans, "—" for none, lists joined by
    commas, anything nested as compact JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "—"
    if isinstance(value, list) and all(not isinstance(item, list | dict) for item in value):
        return ", ".join(plain_value(item) for item in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
