"""Filters of the audit log (django-filter over GET parameters).

Invalid values (a date that is not one) are form errors shown on the page and are left out
of the query, so the page still lists the rest.
"""

from __future__ import annotations

import django_filters
from django import forms

from studio.console.models import AuditEntry
from studio.web.dates import day_filter


class _AuditForm(forms.Form):
    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class AuditFilter(django_filters.FilterSet):
    """`action`: exact ("queue.pause") or a family ("queue"); `user`: a username (any
    case); `since`/`until`: dates, inclusive, in the site's time zone; `ok`: yes/no."""

    action = django_filters.CharFilter(method="filter_action", max_length=60)
    user = django_filters.CharFilter(
        field_name="user__username", lookup_expr="iexact", label="Person", max_length=150
    )
    since = day_filter(field_name="created_at", lookup_expr="date__gte")
    until = day_filter(field_name="created_at", lookup_expr="date__lte")
    ok = django_filters.ChoiceFilter(
        choices=[("yes", "succeeded"), ("no", "failed")],
        method="filter_ok",
        empty_label="any",
        label="Result",
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = _AuditForm

    def filter_action(self, queryset, name, value):
        value = value.strip()
        family = value.rstrip(".") + "."
        return queryset.filter(action=value) | queryset.filter(action__startswith=family)

    def filter_ok(self, queryset, name, value):
        return queryset.filter(ok=value == "yes")
