"""Date filters people type into a URL or a date picker: the calendar's ends are refused
with a sentence, not turned into a query (a day after 9999-12-31 does not exist)."""

from __future__ import annotations

from datetime import date, datetime

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.timesince import timesince

EARLIEST = date(1970, 1, 1)
LATEST = date(9998, 12, 31)


def day_filter(**kwargs) -> django_filters.DateFilter:
    """A `DateFilter` with a date picker that refuses days outside EARLIEST..LATEST with a form
    error ("Choose a day between 1970-01-01 and 9998-12-31."); kwargs as for `DateFilter`."""
    message = f"Choose a day between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
    return django_filters.DateFilter(
        widget=forms.DateInput(
            attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
        ),
        validators=[MinValueValidator(EARLIEST, message), MaxValueValidator(LATEST, message)],
        **kwargs,
    )


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago `moment` was, for people: "just now" under a minute (never "0 minutes
    ago"), else Django's `timesince` ("3 minutes ago", "2 days, 4 hours ago"); "" for None.
    `now` defaults to timezone.now()."""
    if moment is None:
        return ""
    now = now or timezone.now()
    if (now - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, now)} ago"
