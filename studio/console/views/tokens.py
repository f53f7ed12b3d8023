"""Linked Discord tokens: list, details, the active toggle, and bot commands with their
answers (polled by a task, shown by a small htmx partial)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from studio.console import services
from studio.console.access import staff_required
from studio.console.models import ConsoleCommand


@staff_required
def tokens(request):
    context = {"key": services.console_key(), "tokens": [], "error": ""}
    try:
        context["tokens"] = services.tokens(request.user)
    except services.ConsoleError as exc:
        context["error"] = str(exc)
    return render(request, "console/tokens.html", context)


@staff_required
def token_detail(request, token_id: int):
    context = {
        "key": services.console_key(),
        "token_id": token_id,
        "token": None,
        "error": "",
        "commands": services.recent_commands(str(token_id)),
        "command_names": services.COMMANDS,
    }
    try:
        context["token"] = services.token(request.user, str(token_id))
    except services.ConsoleError as exc:
        context["error"] = str(exc)
    template = "console/token_detail.html"
    if request.htmx and request.GET.get("part") == "state":
        template += "#token-state"  # refreshed when a command's answer arrives
    return render(request, template, context)


def _back(request, token_id: int):
    if request.POST.get("next") == "list":
        return redirect("console:tokens")
    return redirect("console:token_detail", token_id=token_id)


@staff_required
@require_POST
def token_toggle(request, token_id: int):
    """PUT /discord/token/{id}: `active` = "1" to activate, "0" to deactivate."""
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        messages.error(request, "Choose to activate or to deactivate the token.")
        return _back(request, token_id)
    try:
        token = services.token_toggle(request.user, str(token_id), wanted == "1")
    except services.ConsoleError as exc:
        messages.error(request, f"Token {token_id} was not changed: {exc}")
    else:
        state = "active" if token.is_active else "inactive"
        messages.success(request, f"Token {token.id} is now {state}.")
    return _back(request, token_id)


@staff_required
@require_POST
def token_command(request, token_id: int):
    """POST /nova/commands; the answer appears on the token page when the bot replies."""
    cmd = request.POST.get("cmd", "")
    try:
        services.command_send(request.user, str(token_id), cmd)
    except services.ConsoleError as exc:
        messages.error(request, f"The command was not sent: {exc}")
    else:
        messages.success(request, f"/{cmd} sent to token {token_id}; its answer appears below.")
    return redirect("console:token_detail", token_id=token_id)


@staff_required
def command_status(request, command_id: int):
    """The htmx partial of one command: polls while the bot has not answered, then stops
    polling (HTTP 286) with the final fragment (docs/architecture.md "Pitfalls" §3: htmx 2)
    and tells the token page to read the token again (event "token-refresh"), so its badge
    shows the mode the provider reports after the command."""
    command = get_object_or_404(ConsoleCommand, pk=command_id)
    response = render(request, "console/_command.html", {"command": command})
    if command.is_final and request.htmx:
        stopped = HttpResponseStopPolling(response.content)
        stopped["HX-Trigger"] = "token-refresh"
        return stopped
    return response
