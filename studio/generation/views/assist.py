"""Help beside the forms: Enhance a prompt in place, and the credit balance in the header."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from studio.accounts.models import ProviderKey
from studio.generation import assist
from studio.teams import access

CREDITS_CHANGED = "credits-changed"


def own_key(request, key_id: str | None) -> ProviderKey | None:
    """A key of the current workspace this person may use (404 for any other or a
    malformed id); without an id, the one used last there, or None when there is none."""
    if not key_id:
        return assist.balance_key(request.user, request.workspace)
    try:
        return get_object_or_404(access.workspace_keys(request.workspace, request.user), pk=key_id)
    except (ValueError, ValidationError) as exc:
        raise Http404 from exc


def credits_changed(response):
    """Ask the header to reload the balance (htmx responses that created a generation)."""
    return trigger_client_event(response, CREDITS_CHANGED)


@login_required
@require_POST
def enhance(request):
    """Enhance the prompt field named in `field` with the chosen `key` (POST
    /tools/prompt-extend, free). Always answers 200 with a status fragment: on success it
    carries the new text, which static/js/enhance.js puts into the textarea (keeping the old
    text for Undo); on failure the textarea is left as typed and the fragment says why."""
    field = request.POST.get("field") or "prompt"
    text = request.POST.get(field, "")
    context = {"error": "", "enhanced": ""}
    key = own_key(request, request.POST.get("key"))
    if key is None:
        context["error"] = "Add an ImaginePro key (or choose the sandbox) to enhance prompts."
    else:
        try:
            context["enhanced"] = assist.prompt_enhance(key, text)
        except assist.AssistError as exc:
            context["error"] = f"{exc} Your text is unchanged."
    return TemplateResponse(request, "generation/_enhance.html#enhance-status", context)


@login_required
@require_GET
@never_cache
def credits(request):
    """The header's balance (GET /subscription/account-info), loaded by htmx after the page
    so a slow provider never holds a page; empty-handed when the person has no key."""
    key = assist.balance_key(request.user, request.workspace)
    balance = assist.key_balance(key) if key else None
    return TemplateResponse(request, "generation/_credits.html#balance", {"balance": balance})
