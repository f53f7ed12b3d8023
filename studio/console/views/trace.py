"""Message trace: which linked token ran a job (GET /message/trace/{messageId})."""

from __future__ import annotations

from django.shortcuts import render

from studio.console import services
from studio.console.access import staff_required


@staff_required
def trace(request):
    """`?message_id=` (pasted, or from a generation's Trace link) → the token and its info."""
    raw = request.GET.get("message_id", "")
    context = {"key": services.console_key(), "message_id": raw.strip(), "trace": None, "error": ""}
    if raw.strip():
        try:
            message_id = services.clean_message_id(raw)
            context["trace"] = services.trace(request.user, message_id)
        except services.ConsoleError as exc:
            context["error"] = str(exc)
    return render(request, "console/trace.html", context)
