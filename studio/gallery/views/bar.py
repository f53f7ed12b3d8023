"""The gallery's prompt bar: what it shows, its live quote, and its submit.

With htmx the submit answers the new cards (one row per submission) and the bar stays as
typed; without JavaScript it is a plain form that posts and redirects back to the gallery.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from studio.accounts.models import ProviderKey
from studio.generation import batches
from studio.generation.forms import ASPECT_PRESETS
from studio.generation.views.sources import require_create, source_parent
from studio.provider.imaginelab.types import LABELS as LAB_LABELS
from studio.provider.imaginelab.types import TYPES as LAB_TYPES
from studio.teams import access
from studio.web import ratelimits

TEMPLATE = "gallery/_prompt_bar.html"


def bar_context(request) -> dict | None:
    """What the bar shows on the gallery, or None when this person cannot generate here
    (a team viewer, or no key in the workspace). With an ImagineLab key the bar also
    offers its generation types, each opening its own form with the prompt typed so far."""
    workspace = request.workspace
    if not workspace.can_create:
        return None
    keys = list(access.workspace_keys(workspace, request.user, ProviderKey.PROVIDER_IMAGINEPRO))
    lab = access.workspace_keys(workspace, request.user, ProviderKey.PROVIDER_IMAGINELAB).exists()
    if not keys and not lab:
        return None
    chosen = request.GET.getlist("models") or ["midjourney"]
    settings = [
        (model, batches.model_form(model, user=request.user, workspace=workspace))
        for model in batches.BAR_MODELS.values()
    ]
    return {
        "models": list(batches.BAR_MODELS.values()),
        "chosen": chosen,
        "settings": settings,
        "keys": keys,
        "ratios": ASPECT_PRESETS,
        "prompt": request.GET.get("prompt", ""),
        "max_jobs": batches.MAX_JOBS,
        "max_models": batches.MAX_MODELS,
        "max_repeat": batches.MAX_REPEAT,
        "quote": _quote(request.GET),
        # ImagineLab's types open their own form (its models and settings depend on the key).
        "lab_types": [(kind, LAB_LABELS[kind]) for kind in LAB_TYPES] if lab else [],
    }


def _quote(data) -> dict:
    try:
        repeat = int(data.get("repeat") or 1)
    except ValueError:
        repeat = 0
    try:
        plan = batches.quote(
            data.getlist("models") or ["midjourney"],
            data.get("prompt", ""),
            repeat,
            settings=lambda slug, name: data.get(f"{slug}-{name}", ""),
        )
    except batches.BatchRefused as exc:
        return {"refusal": str(exc)}
    return {"jobs": len(plan.jobs), "total": plan.total}


@login_required
@require_GET
def quote(request):
    """How many jobs the bar's current input makes and what they cost, or why it cannot be
    sent (asked as the person types; nothing is checked against the provider)."""
    return TemplateResponse(request, f"{TEMPLATE}#quote", {"quote": _quote(request.GET)})


@login_required
@require_POST
def submit(request):
    """Send the bar (studio.generation.batches.submit). htmx: 200 with the new cards for the
    top of the wall, or the errors for the bar (400; 429 over the submit rate), the bar
    keeping everything typed. Without htmx: back to the gallery with a message (and, on an
    error, the prompt and models in the query so nothing typed is lost). A team viewer: 403."""
    require_create(request)
    if ratelimits.submit_limited(request):
        return _refused(request, [ratelimits.SUBMIT_SENTENCE], status=ratelimits.TOO_MANY)
    outcome = batches.submit(
        user=request.user,
        workspace=request.workspace,
        data=request.POST,
        files=request.FILES,
        parent_of=source_parent,
    )
    if outcome.errors and not outcome.generations:
        return _refused(request, outcome.errors, status=400)
    count = len(outcome.generations)
    sent = "Sent." if count == 1 else f"Sent {count} jobs."
    if not request.htmx:
        # The same words as the form pages' success.
        if count == 1:
            messages.success(request, "Submitted. It appears at the top of the gallery.")
        else:
            messages.success(
                request, f"Submitted {count} jobs. They appear at the top of the gallery."
            )
        for error in outcome.errors:
            messages.error(request, error)
        return redirect("generation:gallery")
    context = {"generations": outcome.generations, "sent": sent, "errors": outcome.errors}
    return TemplateResponse(request, f"{TEMPLATE}#sent", context)


def _refused(request, errors: list[str], *, status: int):
    if not request.htmx:
        for error in errors:
            messages.error(request, error)
        query = urlencode(
            [("prompt", request.POST.get("prompt", ""))]
            + [("models", slug) for slug in request.POST.getlist("models")]
        )
        return redirect(f"{reverse('generation:gallery')}?{query}")
    response = TemplateResponse(request, f"{TEMPLATE}#errors", {"errors": errors}, status=status)
    return reswap(retarget(response, "#prompt-bar-errors"), "innerHTML")
