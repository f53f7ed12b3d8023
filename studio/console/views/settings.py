"""Which DIY-plan key the console uses: one of the staff member's own keys (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from studio.console import key_choice, services
from studio.console.access import staff_required
from studio.console.models import ConsoleSettings


@staff_required
def settings(request):
    if request.method == "POST":
        try:
            chosen = key_choice.choose_key(request.user, request.POST.get("key", ""))
        except services.ConsoleError as exc:
            messages.error(request, str(exc))
        else:
            key = chosen.key
            messages.success(request, f"The console now uses “{key.name}” ({key.masked}).")
            if chosen.warning:
                messages.warning(request, f"{chosen.warning} Check the key again later.")
            return redirect("console:settings")
    current = ConsoleSettings.load()
    return render(
        request,
        "console/settings.html",
        {
            "key": current.diy_key,
            "current": current,
            "choices": services.choosable_keys(request.user),
        },
    )
