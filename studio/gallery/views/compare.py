"""The Compare page: the jobs of one prompt-bar submission side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from studio.generation import selectors


@login_required
@require_GET
def compare(request, generation_id):
    """GET g/<generation>/compare/: every job sent together with this one (its `batch`,
    studio.generation.batches.submit), one column each, in the order they were sent. A job
    sent alone shows alone. 404 when the person may not see the generation (as its detail
    page); only the jobs they may see are listed (a batch never spans workspaces)."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    if generation.batch is None:
        jobs = [generation]
    else:
        jobs = list(
            selectors.visible_generations(request.user)
            .filter(batch=generation.batch)
            .select_related("provider_key", "parent", "team")
            .prefetch_related("assets")
            .order_by("created_at", "pk")
        )
    context = {"generation": generation, "generations": jobs}
    return TemplateResponse(request, "gallery/compare.html", context)
