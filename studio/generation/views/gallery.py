"""Gallery, live cards, detail pages and stored files (button presses: buttons.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from studio.generation import services
from studio.generation.views import bar
from studio.library import gallery as library_gallery
from studio.library.filters import GalleryFilter
from studio.teams import access
from studio.web.ranges import file_response


def _gallery_filter(request) -> GalleryFilter:
    workspace = request.workspace
    return GalleryFilter(
        request.GET,
        access.workspace_generations(workspace, request.user),
        request=request,
        workspace=workspace,
        ratios=library_gallery.workspace_ratios(workspace, request.user),
    )


def _page_query(request) -> str:
    """The filters of this URL without the page number and empty values, for "more"."""
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        kept = [value for value in values if value]
        if name != "page" and kept:
            query.setlist(name, kept)
    return query.urlencode()


@login_required
@require_GET
def gallery(request):
    """Newest first, filtered (studio.library.filters); htmx asks for further pages as you
    scroll, and swaps the grid when a filter changes. A constant number of queries per page,
    whatever its size (studio.library.gallery)."""
    filters = _gallery_filter(request)
    page = library_gallery.gallery_page(
        filters.qs,
        request.user,
        number=library_gallery.page_number_of(request.GET.get("page")),
        per_page=library_gallery.per_page_of(request.GET.get("per_page")),
    )
    context = {
        "page": page,
        "filter": filters,
        "query": _page_query(request),
        "page_sizes": library_gallery.PAGE_SIZES,
        "workspace_keys": access.workspace_keys(request.workspace, request.user),
    }
    template = "generation/gallery.html"
    wants_grid = request.GET.get("page") or request.htmx.target == "gallery-grid"
    if request.htmx and not request.htmx.history_restore_request and wants_grid:
        template += "#page"
    else:  # a whole page: with the prompt bar
        context["bar"] = bar.bar_context(request)
    response = TemplateResponse(request, template, context)
    # The same URL answers a whole page or only the grid: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


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
