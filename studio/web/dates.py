"""Date filters people type into a URL or a date picker: the calendar's ends are refused
with a sentence, not turned into a query (a day after 9999-12-31 does not exist)."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

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
