"""ImagineLab pages: a form per generation type, refreshing the models, the wallet and its
packages, and deleting a generation at the provider (services.py holds the work)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.accounts.models import ProviderKey
from studio.banwords import guard
from studio.credits import budgets
from studio.generation import assist, selectors
from studio.generation.errors import GenerationError
from studio.imaginelab import services
from studio.imaginelab.costs import TYPE_COSTS
from studio.imaginelab.forms import form_for
from studio.provider.imaginelab.types import LABELS, TYPES
from studio.teams import access


def _workspace_lab_keys(request):
    return access.workspace_keys(request.workspace, request.user, ProviderKey.PROVIDER_IMAGINELAB)


def _require_create(request) -> None:
    """A team viewer may look but not submit: 403 with access's sentence."""
    workspace = request.workspace
    if not workspace.is_personal and not workspace.allows(access.CREATE):
        access.get_membership(request.user, workspace.team.pk, access.CREATE)


def _no_key(request):
    workspace = request.workspace
    if workspace.is_personal:
        messages.info(
            request, "First add an ImagineLab key, sign in to ImagineLab, or choose its sandbox."
        )
        return redirect(f"{reverse('keys')}?next={request.path}#imaginelab")
    if not workspace.allows(access.CREATE):
        messages.info(request, f"You are a viewer in {workspace.label}: you cannot generate there.")
    else:
        messages.info(
            request, f"{workspace.label} has no ImagineLab key yet: a team owner can add one."
        )
    return redirect("generation:gallery")


def _initial(request) -> dict:
    """`?retry=<generation>` fills the form with its settings; `?model=`, `?key=` and
    `?prompt=` choose (the model select reloads the settings with them)."""
    initial: dict = {}
    retry_of = request.GET.get("retry")
    if retry_of:
        initial.update(selectors.get_generation_for_user(request.user, retry_of).params)
    for name in ("model", "key", "prompt"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def lab_new(request, generation_type: str):
    """The form of one generation type. GET: the form (htmx, on a model or key change:
    only its settings and cost, #lab-settings). POST: our banned words and the monthly caps
    first, then services.lab_create; the worker sends it."""
    if generation_type not in TYPES:
        raise Http404
    if request.method == "POST":
        _require_create(request)
    if not _workspace_lab_keys(request).exists():
        return _no_key(request)
    form_class = form_for(generation_type)
    form = form_class(
        request.POST or None,
        user=request.user,
        workspace=request.workspace,
        initial=_initial(request),
        models_of=services.lab_models,
    )
    if request.method == "POST" and form.is_valid() and not guard.refuse_form(form):
        data = form.cleaned_data
        over = budgets.refusal(user=request.user, provider_key=data["key"], cost=form.cost)
        if over:
            form.add_error(None, over)
        else:
            try:
                generation = services.lab_create(
                    request.user,
                    data["key"],
                    generation_type,
                    data["model"],
                    data["prompt"],
                    form.settings(),
                    cost=form.cost,
                )
            except GenerationError as exc:
                form.add_error(None, str(exc))
            else:
                assist.balance_forget(generation.provider_key)
                messages.success(request, "Submitted. It appears at the top of the gallery.")
                return redirect("generation:gallery")
    context = {
        "form": form,
        "generation_type": generation_type,
        "type_label": LABELS[generation_type],
        "types": [(kind, LABELS[kind]) for kind in TYPES],
        "retry_of": request.GET.get("retry"),
    }
    template = "imaginelab/form.html"
    if request.htmx and request.method == "GET" and request.htmx.target == "lab-settings":
        template += "#settings"
    # A form answered with its errors is a 400, as every other form of the studio.
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, template, context, status=status)


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_POST
def models_refresh(request):
    """Ask ImagineLab for the chosen key's models again (the list is cached an hour)."""
    try:
        key = get_object_or_404(_workspace_lab_keys(request), pk=request.POST.get("key") or None)
    except ValidationError as exc:  # not a UUID: an unknown key, not an error page
        raise Http404 from exc
    services.models_forget(key)
    try:
        found = services.lab_models(key, refresh=True)
    except services.LabUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Models refreshed: ImagineLab lists {len(found)}.")
    return redirect(_back(request, reverse("imaginelab:new", args=["image"])))


@login_required
@require_GET
def credits_page(request):
    """The wallet's balance (GET /credits/wallet) and the packages on sale (GET
    /credits/packages) for each ImagineLab key of the workspace, or the one chosen."""
    keys = list(_workspace_lab_keys(request))
    chosen = None
    if request.GET.get("key"):
        chosen = next((key for key in keys if str(key.pk) == request.GET["key"]), None)
    chosen = chosen or (keys[0] if keys else None)
    context = {
        "keys": keys,
        "chosen": chosen,
        "balance": None,
        "packages": [],
        "errors": [],
        "type_costs": [(LABELS[kind], TYPE_COSTS[kind]) for kind in TYPES],
    }
    if chosen is not None:
        try:
            context["balance"] = services.wallet_balance(chosen)
        except services.LabUnavailable as exc:
            context["errors"].append(str(exc))
        try:
            context["packages"] = services.lab_packages(chosen)
        except services.LabUnavailable as exc:
            if str(exc) not in context["errors"]:
                context["errors"].append(str(exc))
    return TemplateResponse(request, "imaginelab/credits.html", context)


@login_required
@require_POST
def delete(request, generation_id):
    """Delete an ImagineLab generation at the provider and here (its maker or a team
    owner). A refusal or a provider error keeps it and says why on its page."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    try:
        outcome = services.lab_delete(request.user, generation)
    except services.LabDeleteError as exc:
        messages.error(request, str(exc))
        return redirect(generation.get_absolute_url())
    messages.success(request, outcome)
    return redirect("generation:gallery")
