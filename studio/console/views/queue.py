"""The console's first page: the DIY queue (count, pause, resume, reboot), refreshed by htmx."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from studio.console import display, services
from studio.console.access import staff_required


def _queue_context(user) -> dict:
    try:
        return {"state": services.queue_state(user), "error": ""}
    except services.ConsoleError as exc:
        return {"state": None, "error": str(exc)}


@staff_required
def index(request):
    context = {"key": services.console_key(), **_queue_context(request.user)}
    return render(request, "console/queue.html", context)


@staff_required
def queue_status(request):
    """The htmx partial the queue page polls every 5 s."""
    return render(request, "console/queue.html#queue-status", _queue_context(request.user))


def _queue_action(request, action):
    try:
        state = action(request.user)
    except services.ConsoleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _said(action, state))
    return redirect("console:index")


def _said(action, state) -> str:
    if action is services.queue_reboot:
        return "Queue rebooted: " + display.reboot_text(state)
    verb = {services.queue_pause: "Queue paused", services.queue_resume: "Queue resumed"}[action]
    return f"{verb}. {state.count} job(s) waiting."


@staff_required
@require_POST
def queue_pause(request):
    return _queue_action(request, services.queue_pause)


@staff_required
@require_POST
def queue_resume(request):
    return _queue_action(request, services.queue_resume)


@staff_required
def queue_reboot(request):
    """GET: what a reboot does, with the jobs counted now and a confirm button; POST:
    reboot (the provider counts again at that moment; the message says what happened)."""
    if request.method == "POST":
        return _queue_action(request, services.queue_reboot)
    context = {"key": services.console_key(), **_queue_context(request.user)}
    return render(request, "console/reboot.html", context)
