"""Staff page for the provider's own banned-word list: view it, edit it with the diff shown
before saving, save with `ban_words_update` (audited). Provider errors become sentences."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from studio.banwords import provider
from studio.banwords.forms import ProviderListForm
from studio.banwords.matching import diff
from studio.console.access import staff_required

TEMPLATE = "banwords/provider.html"


@staff_required
@require_http_methods(["GET", "POST"])
def provider_list(request):
    """GET: the provider's list and an edit box. POST step "preview": what will change
    against the list as the provider has it now; "confirm": send it, unless the provider's
    list changed since the preview (then the diff is shown again); "edit": back to the box."""
    key = provider.console_key()
    context: dict = {"key": key}
    try:
        current = provider.read(key)
    except provider.ProviderListError as exc:
        context["error"] = str(exc)
        form = ProviderListForm(request.POST or None)
        return TemplateResponse(request, TEMPLATE, {**context, "form": form, "unavailable": True})
    context["current"] = current
    if request.method == "GET":
        form = ProviderListForm(initial={"words": "\n".join(current)})
        return TemplateResponse(request, TEMPLATE, {**context, "form": form})
    form = ProviderListForm(request.POST)
    step = request.POST.get("step", "preview")
    if step == "edit" or not form.is_valid():
        return TemplateResponse(request, TEMPLATE, {**context, "form": form})
    entries = form.cleaned_data["entries"]
    seen = provider.fingerprint(current)
    if step == "confirm":
        if form.cleaned_data["seen"] != seen:
            context["stale"] = (
                "The provider's list changed since you looked: check the changes again."
            )
        else:
            try:
                stored = provider.update(request.user, key, entries, old=current)
            except provider.ProviderListError as exc:
                context["error"] = str(exc)
                return TemplateResponse(request, TEMPLATE, {**context, "form": form})
            added, removed = diff(current, stored)
            messages.success(
                request,
                f"The provider's list is saved: {len(added)} added, {len(removed)} removed "
                f"({len(stored)} entries).",
            )
            return redirect("banwords:provider")
    added, removed = diff(current, entries)
    if not (added or removed):
        form.add_error("words", "This is the provider's list as it is: nothing would change.")
        return TemplateResponse(request, TEMPLATE, {**context, "form": form})
    confirm = ProviderListForm(initial={"words": "\n".join(entries), "seen": seen})
    context.update(form=confirm, added=added, removed=removed, preview=True)
    return TemplateResponse(request, TEMPLATE, context)
