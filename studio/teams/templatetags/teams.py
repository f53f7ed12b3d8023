"""`{% workspace_switch %}`: the header's workspace select (Personal, then each team)."""

from __future__ import annotations

from django import template

from studio.teams import access

register = template.Library()


@register.inclusion_tag("teams/_switch.html", takes_context=True)
def workspace_switch(context) -> dict:
    """The person's workspaces with the current one selected; nothing when signed out."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"choices": []}
    current = getattr(request, "workspace", None) or access.current_workspace(request)
    return {
        "choices": access.workspaces(user),
        "current": current,
        # Back to this page after switching, unless it answered a POST (a GET there is 405).
        "next": request.get_full_path() if request.method == "GET" else "",
        "csrf_token": context.get("csrf_token"),
    }
