"""Pages still being built (replaced as each lands)."""

from __future__ import annotations

from django.shortcuts import render

from studio.console.access import staff_required


def _stub(title):
    @staff_required
    def view(request, *args, **kwargs):
        return render(request, "console/stub.html", {"title": title})

    return view


index = _stub("Queue")
accounts = _stub("Linked accounts")
tokens = _stub("Discord tokens")
trace = _stub("Message trace")
settings = _stub("DIY key")
