"""The audit log page: every staff action, newest first, filterable by action, person, date."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import render

from studio.console.access import staff_required
from studio.console.filters import AuditFilter
from studio.console.models import AuditEntry


@staff_required
def audit(request):
    flt = AuditFilter(request.GET, queryset=AuditEntry.objects.select_related("user"))
    page = Paginator(flt.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/audit.html",
        {
            "filter": flt,
            "page": page,
            "query": query.urlencode(),
            "actions": AuditEntry.objects.order_by("action")
            .values_list("action", flat=True)
            .distinct(),
            "people": get_user_model()
            .objects.filter(console_audit_entries__isnull=False)
            .distinct()
            .order_by("username"),
        },
    )
