"""Site-wide template helpers. Load with `{% load studio %}`."""

from __future__ import annotations

from django import template
from django.conf import settings

from studio.web import dates

register = template.Library()


@register.simple_tag
def upload_max_files() -> int:
    """settings.DATA_UPLOAD_MAX_NUMBER_FILES, for pages rendered without a context (400.html)."""
    return settings.DATA_UPLOAD_MAX_NUMBER_FILES


@register.filter
def ago(moment) -> str:
    """`{{ when|ago }}`: "just now" under a minute, else "3 minutes ago" (`dates.ago`)."""
    return dates.ago(moment)
