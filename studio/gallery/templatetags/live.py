"""`live_stamp`: a card's version for the live channel (studio.gallery.live.stamp)."""

from __future__ import annotations

from django import template

from studio.gallery.live import stamp

register = template.Library()


@register.filter
def live_stamp(moment) -> str:
    """`updated_at` as the live channel names it; "" when there is none."""
    return stamp(moment) if moment else ""
