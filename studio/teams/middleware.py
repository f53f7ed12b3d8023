"""Puts the person's current workspace on every request (`request.workspace`)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from studio.teams.access import current_workspace


class WorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = SimpleLazyObject(lambda: current_workspace(request))
        return self.get_response(request)


def workspace(request) -> dict:
    """Template context: `workspace` (the current one)."""
    return {"workspace": getattr(request, "workspace", None)}
