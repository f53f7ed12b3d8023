"""Template filters of the staff console."""

from __future__ import annotations

from django import template

from studio.console import display
from studio.provider.imaginepro import paths

register = template.Library()


@register.filter
def amount(value) -> str:
    """A number with at most two decimals and no trailing zeros: 199.0 → "199",
    99.5 → "99.5", 61.733 → "61.73"; "" for None or text that is not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def provider_value(value):
    """A value of the provider's `/info` text for a page: dates as dates, absent as "–"
    (studio.console.display)."""
    return display.provider_value(value)


@register.inclusion_tag("console/_provisional.html")
def provisional_paths(*routes: str) -> dict:
    """A "provisional path" badge for a page that calls these DIY routes (names of the
    ImaginePro client's PATHS), listing each unpublished path with why it is provisional;
    nothing for routes the provider documents."""
    return {"routes": paths.provisional(*routes)}
