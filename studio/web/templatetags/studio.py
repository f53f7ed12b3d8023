"""Template helpers of the studio."""

from __future__ import annotations

from django import template

register = template.Library()

# Words beside the provider's emoji buttons; the value sent stays the emoji, verbatim.
_BUTTON_WORDS = {
    "🔄": "Reroll",
    "⬅️": "Pan left",
    "➡️": "Pan right",
    "⬆️": "Pan up",
    "⬇️": "Pan down",
}


@register.filter
def button_label(button: str) -> str:
    """ "🔄" → "🔄 Reroll"; any other button value is shown as it is."""
    words = _BUTTON_WORDS.get(button)
    return f"{button} {words}" if words else button
