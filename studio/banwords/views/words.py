"""Staff pages for banned words: our list with a diff before saving, its history
and revert. The dry run is in dry_run.py, the provider's list in provider.py.

Every page is behind staff_required (non-staff get 404). A change always goes through a
preview of what it adds and removes, then a confirm; saves and reverts are audited by the
services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from studio.banwords import services
from studio.banwords.forms import WordListForm
from studio.banwords.matching import diff
from studio.banwords.models import BanListVersion
from studio.console.access import staff_required

HISTORY_PER_PAGE = 20


def _changes(added: list[str], removed: list[str]) -> str:
    """ "2 added, 1 removed" for messages."""
    return f"{len(added)} added, {len(removed)} removed"


@staff_required
@require_http_methods(["GET", "POST"])
def index(request):
    """Our list: edit (step "edit"), see what changes (step "preview"), save ("confirm").

    The textarea's words are normalised; the preview shows the entries added and removed
    against the current version and says when someone saved a newer one meanwhile.
    """
    current = services.current_version()
    number = current.number if current else 0
    old = current.words if current else []
    context = {"current": current, "old_count": len(old)}
    if request.method == "GET":
        form = WordListForm(initial={"words": "\n".join(old), "base": number})
        return TemplateResponse(request, "banwords/index.html", {**context, "form": form})
    form = WordListForm(request.POST)
    step = request.POST.get("step", "preview")
    if step == "edit" or not form.is_valid():
        return TemplateResponse(request, "banwords/index.html", {**context, "form": form})
    entries = form.cleaned_data["entries"]
    if step == "confirm":
        try:
            version = services.save_version(
                request.user,
                entries,
                note=form.cleaned_data["note"],
                base=form.cleaned_data["base"],
            )
        except services.Stale as exc:
            context["stale"] = str(exc)
        except services.Unchanged as exc:
            messages.info(request, str(exc))
            return redirect("banwords:index")
        except services.BanListError as exc:
            form.add_error(None, str(exc))
            return TemplateResponse(request, "banwords/index.html", {**context, "form": form})
        else:
            added, removed = diff(old, version.words)
            messages.success(
                request, f"Saved version {version.number}: {_changes(added, removed)}."
            )
            return redirect("banwords:index")
    elif form.cleaned_data["base"] != number:
        who = current.created_by.get_username() if current and current.created_by else "someone"
        context["stale"] = f"{who} saved version {number} meanwhile."
    added, removed = diff(old, entries)
    if not (added or removed):
        form.add_error("words", "This is the current list: nothing would change.")
        return TemplateResponse(request, "banwords/index.html", {**context, "form": form})
    # The confirm form carries the normalised list, against the version the diff was made on.
    confirm = WordListForm(
        initial={"words": "\n".join(entries), "note": form.cleaned_data["note"], "base": number}
    )
    context.update(form=confirm, added=added, removed=removed, entries=entries, preview=True)
    return TemplateResponse(request, "banwords/index.html", context)


@staff_required
@require_GET
def history(request):
    """Every version, newest first: who, when, the note, what it added and removed."""
    page = Paginator(
        BanListVersion.objects.select_related("created_by", "reverted_from").order_by("-number"),
        HISTORY_PER_PAGE,
    ).get_page(request.GET.get("page"))
    current = services.current_version()
    context = {
        "page": page,
        "rows": services.history_rows(list(page.object_list)),
        "current_number": current.number if current else 0,
    }
    return TemplateResponse(request, "banwords/history.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def revert(request, number: int):
    """GET: what reverting to version `number` would change. POST: save it as a new version."""
    target = BanListVersion.objects.select_related("created_by").filter(number=number).first()
    if target is None:
        raise Http404("No such version.")
    current = services.current_version()
    current_number = current.number if current else 0
    if request.method == "POST":
        try:
            base = int(request.POST.get("base", ""))
        except ValueError:
            base = None
        try:
            version = services.revert(request.user, number, base=base)
        except services.Stale as exc:
            messages.warning(request, f"{exc} Check the changes again before reverting.")
            return redirect("banwords:revert", number=number)
        except services.BanListError as exc:
            messages.info(request, str(exc))
            return redirect("banwords:history")
        messages.success(
            request, f"Saved version {version.number} with the words of version {number}."
        )
        return redirect("banwords:history")
    added, removed = diff(current.words if current else [], target.words)
    context = {
        "target": target,
        "current_number": current_number,
        "added": added,
        "removed": removed,
    }
    return TemplateResponse(request, "banwords/revert.html", context)
