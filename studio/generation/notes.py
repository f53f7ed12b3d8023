"""Words on a waiting card: a provider error in short, a time of day."""

from __future__ import annotations

from django.utils import timezone

from studio.provider.errors import ProviderError


def short_reason(exc: ProviderError) -> str:
    """A provider error in a few words for a card: "rate limited", "the provider had a
    problem" (any other HTTP error: a person reads no status codes), or the transport
    failure's own sentence, lower-cased."""
    if exc.status == 429:
        return "rate limited"
    if exc.status:
        return "the provider had a problem"
    text = exc.message.rstrip(".")
    return text[:1].lower() + text[1:]


def clock(moment) -> str:
    """A time of day for a card, in the studio's time zone: "14:05 UTC"."""
    if moment is None:
        return "its deadline"
    return timezone.localtime(moment).strftime("%H:%M %Z").strip()
