"""Linked Midjourney accounts (GET /diy/accounts) and one account's queue."""

from __future__ import annotations

from django.shortcuts import render

from studio.console import services
from studio.console.access import staff_required


@staff_required
def accounts(request):
    context = {"key": services.console_key(), "accounts": [], "error": ""}
    try:
        context["accounts"] = services.accounts(request.user)
    except services.ConsoleError as exc:
        context["error"] = str(exc)
    return render(request, "console/accounts.html", context)


@staff_required
def account_queue(request, account_id: int):
    """One linked account's running and queued jobs; the list refreshes itself (htmx)."""
    context = {"key": services.console_key(), "account_id": account_id, "queue": None, "error": ""}
    try:
        context["queue"] = services.account_queue(request.user, str(account_id))
    except services.ConsoleError as exc:
        context["error"] = str(exc)
    template = "console/account_queue.html"
    if request.htmx:
        template += "#account-queue"
    return render(request, template, context)
