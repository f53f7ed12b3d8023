"""Importing the provider's last 24 hours into the gallery (the work runs in a django-q task).

The session remembers the running import's task id, so the gallery's status line can follow
it across page loads and say how it went, once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling
from django_q.tasks import fetch

from studio.generation import enqueue, selectors
from studio.generation.views.assist import own_key
from studio.generation.views.sources import require_create

SESSION_KEY = "studio_import"
# With no result by then the task did not run (no worker) or its record was pruned.
GIVE_UP_AFTER = timedelta(minutes=10)
MAX_NEW_CARDS = 24  # cards slipped into the open gallery; the rest come with the next load


def _since(request) -> datetime | None:
    """The moment the gallery page was drawn (`since`, µs since the epoch): cards made
    after it are not on the page yet."""
    try:
        return datetime.fromtimestamp(int(request.GET.get("since", "")) / 1e6, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


@login_required
@require_POST
def import_start(request):
    """Queue an import of the chosen key's history (GET /nova/images) and follow it. A team
    viewer may not fill the team's gallery: 403 with a sentence."""
    require_create(request)
    key = own_key(request, request.POST.get("key"))
    if key is None:
        messages.error(request, "Add an ImaginePro key first.")
        return redirect("generation:gallery")
    since = int(timezone.now().timestamp() * 1e6)  # before the task can create anything
    task_id = enqueue.enqueue_import(key.pk)
    request.session[SESSION_KEY] = {
        "task": task_id,
        "key": key.name,
        "started": timezone.now().isoformat(),
    }
    if not request.htmx:
        messages.info(request, f"Import started from “{key.name}”. New images appear below.")
        return redirect("generation:gallery")
    context = {"importing": request.session[SESSION_KEY], "since": since}
    return TemplateResponse(request, "generation/_import.html#import-status", context)


@login_required
@require_GET
@never_cache
def import_status(request):
    """While the import runs, the same polling line; when it is over, the outcome (once) and
    the new cards slipped into the top of the gallery, with 286 to stop polling."""
    state = request.session.get(SESSION_KEY)
    if not state:
        return _final(request, {})
    task = fetch(state["task"])
    if task is None:
        started = datetime.fromisoformat(state["started"])
        if timezone.now() - started < GIVE_UP_AFTER:
            context = {"importing": state, "since": request.GET.get("since", "")}
            return TemplateResponse(request, "generation/_import.html#import-status", context)
        outcome = {
            "error": "The import did not report back (is the worker running?). Anything it "
            "imported is in the gallery."
        }
    elif task.success and isinstance(task.result, dict):
        outcome = task.result
    else:
        outcome = {"error": "The import failed unexpectedly; nothing more was imported."}
    del request.session[SESSION_KEY]
    new_cards = []
    since = _since(request)
    if since and outcome.get("created"):
        new_cards = (
            selectors.workspace_generations(request.workspace, request.user)
            .filter(pk__in=outcome["created"], created_at__gt=since)
            .select_related("parent")
            .prefetch_related("assets")
            .order_by("-created_at")[:MAX_NEW_CARDS]
        )
    return _final(
        request, {"outcome": outcome, "key_name": state.get("key", ""), "new_cards": new_cards}
    )


def _final(request, context: dict) -> HttpResponseStopPolling:
    response = TemplateResponse(request, "generation/_import.html#import-status", context)
    response.render()
    return HttpResponseStopPolling(response.content)
