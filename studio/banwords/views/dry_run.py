"""Staff page of the dry run: which recent prompts a proposed list of banned words would have
blocked, marked where they match. Behind staff_required (non-staff get 404); saves nothing."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from studio.banwords import services
from studio.banwords.forms import DryRunForm
from studio.banwords.matching import diff, mark
from studio.console.access import staff_required
from studio.console.audit import record
from studio.generation.models import Generation, Model

DRY_RUN_PER_PAGE = 25


@staff_required
@require_GET
def dry_run(request):
    """Which prompts of the last 30 days a proposed list would have blocked. Saves nothing;
    the first page of a run is audited (who looked, how many prompts matched)."""
    current = services.current_version()
    if "words" not in request.GET:
        form = DryRunForm(initial={"words": "\n".join(current.words if current else [])})
        return TemplateResponse(request, "banwords/dry_run.html", {"form": form})
    form = DryRunForm(request.GET)
    if not form.is_valid():
        return TemplateResponse(request, "banwords/dry_run.html", {"form": form})
    entries = form.cleaned_data["entries"]
    result = services.dry_run(entries)
    page = Paginator(result.blocked, DRY_RUN_PER_PAGE).get_page(request.GET.get("page"))
    found = dict(page.object_list)
    generations = Generation.objects.select_related("user").in_bulk(list(found))
    rows = []
    for pk, words in page.object_list:
        generation = generations.get(pk)
        if generation is None:  # deleted since the run began
            continue
        hits = result.matcher.find(
            generation.prompt, midjourney=generation.model == Model.MIDJOURNEY
        )
        rows.append(
            {"generation": generation, "words": words, "marked": mark(generation.prompt, hits)}
        )
    if page.number == 1:
        record(
            request.user,
            "banwords.dry_run",
            target=f"{len(entries)} entries",
            details={"entries": entries[:200], "days": services.DRY_RUN_DAYS},
            answer=f"{len(result.blocked)} of {result.scanned} prompts would have been blocked.",
        )
    added, removed = diff(current.words if current else [], entries)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "result": result,
        "page": page,
        "rows": rows,
        "entries_text": "\n".join(entries),
        "query": query.urlencode(),
        "added": added,
        "removed": removed,
        "base": current.number if current else 0,
    }
    return TemplateResponse(request, "banwords/dry_run.html", context)
