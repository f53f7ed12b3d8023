"""The lightbox's details panel: facts about one image (or video) of a generation."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from studio.credits import ledger
from studio.gallery.actions import lightbox_actions
from studio.generation import lineage, selectors
from studio.generation.models import Asset, Status


@login_required
@require_GET
def panel(request, generation_id):
    """GET g/<generation>/panel/?asset=<asset id>: prompt, model, step, size, cost,
    maker, dates and status, with links to the detail page and to "Reuse settings", and
    every action the person's role allows (studio/gallery/actions.py).
    404 when the person may not see the generation or the asset is not one of its files."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    shown = [a for a in generation.assets.all() if a.role in (Asset.Role.IMAGE, Asset.Role.VIDEO)]
    wanted = request.GET.get("asset")
    try:
        wanted_id = uuid.UUID(wanted) if wanted else None
    except ValueError as exc:
        raise Http404 from exc
    asset = next((a for a in shown if a.pk == wanted_id), None) if wanted_id else None
    if wanted_id and asset is None:
        raise Http404
    reuse = lineage.settings_source(request.user, generation)
    context = {
        "generation": generation,
        "asset": asset or (shown[0] if shown else None),
        "count": len(shown),
        "step": lineage.node_label(generation),
        "refunded": ledger.refunded(generation.pk) if generation.status == Status.FAILED else 0,
        "reuse": reuse,
        "reuse_is_parent": reuse is not None and reuse.pk != generation.pk,
        "actions": lightbox_actions(
            request.user, generation, asset or (shown[0] if shown else None)
        ),
    }
    return TemplateResponse(request, "gallery/_lightbox_panel.html", context)
