"""Gallery, live cards, detail pages and stored files (button presses: buttons.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from studio.generation import services
from studio.generation.models import Model, Status
from studio.teams import access
from studio.web.ranges import file_response

PAGE_SIZE = 24


def _gallery_queryset(request):
    queryset = (
        access.workspace_generations(request.workspace, request.user)
        .select_related("parent")
        .prefetch_related("assets")
    )
    model, status = request.GET.get("model", ""), request.GET.get("status", "")
    if model in Model.values:
        queryset = queryset.filter(model=model)
    if status == "running":
        queryset = queryset.exclude(status__in=(Status.DONE, Status.FAILED))
    elif status in Status.values:
        queryset = queryset.filter(status=status)
    return queryset


@login_required
@require_GET
def gallery(request):
    """Newest first, filtered by model and status; htmx asks for further pages as you scroll."""
    page = Paginator(_gallery_queryset(request), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "model_choices": Model.choices,
        "status_choices": [
            ("running", "Running"),
            (Status.DONE, "Done"),
            (Status.FAILED, "Failed"),
        ],
        "workspace_keys": access.workspace_keys(request.workspace, request.user),
    }
    template = "generation/gallery.html"
    if request.htmx and request.GET.get("page"):
        template += "#page"
    return TemplateResponse(request, template, context)


@login_required
@require_GET
def card(request, generation_id):
    """One gallery card. While running, htmx polls it every 2 s; a final card answers 286
    (stop polling) and carries no hx-trigger, so polling cannot restart (TECH.md §3)."""
    generation = services.get_generation_for_user(request.user, generation_id)
    response = TemplateResponse(request, "generation/gallery.html#card", {"generation": generation})
    if generation.is_final:
        response.render()
        response = HttpResponseStopPolling(response.content)
        trigger_client_event(response, "generation-finished", {"id": str(generation.pk)})
    return response


@login_required
@require_GET
def detail(request, generation_id):
    generation = services.get_generation_for_user(request.user, generation_id)
    context = {
        "generation": generation,
        "children": access.visible_generations(request.user)
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
        access.visible_assets(request.user).select_related("generation"), pk=asset_id
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
