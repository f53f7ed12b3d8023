"""Filters of the audit log as a plain Django form over GET parameters.

(django-filter is not among the requirements; a form gives the same validation and errors.)
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from studio.console.models import AuditEntry


class AuditFilter(forms.Form):
    """`action` (exact or a prefix such as "queue"), `user` (username), `since`/`until` (dates,
    inclusive, in the site's time zone), `ok` ("yes"/"no"). Invalid values are form errors and
    are ignored by the query, so the page still shows the unfiltered rest."""

    action = forms.CharField(required=False, max_length=60)
    user = forms.CharField(required=False, max_length=150, label="Person")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ok = forms.ChoiceField(
        required=False,
        choices=[("", "any"), ("yes", "succeeded"), ("no", "failed")],
        label="Result",
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def queryset(self):
        """The filtered entries, newest first (with their users)."""
        qs = AuditEntry.objects.select_related("user")
        if not self.is_valid():
            data = {
                k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
            }
        else:
            data = self.cleaned_data
        action = (data.get("action") or "").strip()
        if action:
            qs = qs.filter(action=action) | qs.filter(action__startswith=action.rstrip(".") + ".")
        username = (data.get("user") or "").strip()
        if username:
            user_model = get_user_model()
            qs = qs.filter(**{f"user__{user_model.USERNAME_FIELD}__iexact": username})
        if data.get("since"):
            qs = qs.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            qs = qs.filter(created_at__date__lte=data["until"])
        if data.get("ok") == "yes":
            qs = qs.filter(ok=True)
        elif data.get("ok") == "no":
            qs = qs.filter(ok=False)
        return qs
