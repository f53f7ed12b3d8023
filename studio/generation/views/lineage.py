"""The lineage tree of a generation (the detail page loads it with htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from studio.generation import lineage as lineage_service
from studio.generation import selectors


@login_required
@require_GET
def lineage(request, generation_id):
    """The tree from the first prompt, the current generation highlighted. htmx gets the
    section alone; a plain request (no JavaScript) a page of its own."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    context = {
        "generation": generation,
        "tree": lineage_service.lineage_tree(request.user, generation),
    }
    template = "generation/_lineage.html"
    if request.htmx:
        template += "#tree"
    return TemplateResponse(request, template, context)
