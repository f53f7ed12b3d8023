"""A generation's detail page and its stored files (the gallery's wall and live cards:
studio.gallery.views.wall; button presses: buttons.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from studio.credits import ledger
from studio.generation import selectors
from studio.generation.models import Status
from studio.teams import access
from studio.web.ranges import file_response


@login_required
@require_GET
def detail(request, generation_id):
    generation = selectors.get_generation_for_user(request.user, generation_id)
    parent_hidden = bool(generation.parent_id) and not access.allowed(
        request.user, generation.parent
    )
    if parent_hidden:
        # Made from a picture of another workspace (the maker's personal gallery): the team
        # sees the child, never the parent's title or address. In memory only.
        generation.parent = None
    context = {
        "generation": generation,
        "parent_hidden": parent_hidden,
        "may_create": access.allowed(request.user, generation, access.CREATE),
        "can_delete": access.can_delete(request.user, generation),
        "refunded": ledger.refunded(generation.pk) if generation.status == Status.FAILED else 0,
        "children": selectors.visible_generations(request.user)
        .filter(parent=generation)
        .order_by("created_at"),
    }
    return TemplateResponse(request, "generation/detail.html", context)


@login_required
@require_GET
def asset_file(request, asset_id, kind):
    """A stored file (image or video) or its thumbnail, only for those who may see the
    generation (its maker, or its team). Byte ranges are served so a video can be seeked."""
    if kind not in ("file", "thumb"):
        raise Http404
    asset = get_object_or_404(
        selectors.visible_assets(request.user).select_related("generation"), pk=asset_id
    )
    field = asset.thumbnail if kind == "thumb" else asset.file
    if not field:
        raise Http404
    content_type = "image/webp" if kind == "thumb" else asset.content_type
    response = file_response(request, field.storage, field.name, content_type)
    response["Cache-Control"] = "private, max-age=86400"
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="{asset.generation_id}-{asset.role}-{asset.index}.{field.name.rsplit(".", 1)[-1]}"'
        )
    return response
