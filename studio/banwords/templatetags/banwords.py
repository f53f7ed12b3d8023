"""{% banned_note text %}: the refusal block for a text typed elsewhere (a remix prompt
coming back in the query string), empty when the text is allowed."""

from __future__ import annotations

from django import template

from studio.banwords import guard

register = template.Library()


@register.inclusion_tag("banwords/_refusals.html")
def banned_note(text, midjourney=True, label="Prompt"):
    """Render templates/banwords/_refusals.html for `text` checked against our list."""
    refusal = guard.check_text(str(text or ""), midjourney=midjourney, label=label)
    return {"refusals": [refusal] if refusal else [], "with_sentence": True}
