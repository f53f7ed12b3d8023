"""The gallery's wall (filtered pages of cards) and a live card (the detail page and stored
files: studio.generation.views.detail)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from studio.gallery import pages
from studio.gallery.filters import GalleryFilter
from studio.gallery.views import bar
from studio.generation import selectors
from studio.teams import access

FILTER_FORM = "gallery-filters"  # the id of the filter <form> in gallery/gallery.html


def _gallery_filter(
    request, per_page: int, cursor: pages.Cursor | None, number: int
) -> GalleryFilter:
    """The wall's filters for the page of `per_page` cards after `cursor` (from the top
    without one); page `number` of an old `?page=` link (number > 1) reads all matches."""
    workspace = request.workspace
    rows = before = None
    if cursor is not None or number == 1:
        rows = per_page + 1  # gallery_page reads one more to know whether more follow
        before = (cursor.created_at, cursor.id) if cursor is not None else None
    return GalleryFilter(
        request.GET,
        selectors.workspace_generations(workspace, request.user),
        request=request,
        workspace=workspace,
        ratios=pages.workspace_ratios(workspace, request.user),
        rows=rows,
        before=before,
    )


def _page_query(params: QueryDict) -> str:
    """The filters of `params` without the page number, the cursor and empty values, for
    "more" and for the address bar."""
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        kept = [value for value in values if value]
        if name not in ("page", "after") and kept:
            query.setlist(name, kept)
    return query.urlencode()


def _shown_url(params: QueryDict) -> str:
    """The gallery's address for these filters: "/?q=fox&model=flux", or "/" (the default
    page size is left out too)."""
    params = params.copy()
    if params.get("per_page") == str(pages.PAGE_SIZES[0]):
        del params["per_page"]
    query = _page_query(params)
    return reverse("generation:gallery") + (f"?{query}" if query else "")


def _push_url(request) -> str:
    """What the address bar should become after the filter form's request: the address of
    the request itself (empty fields dropped, so a copied link is short), or "false" when it
    is already there (a search box's change on blur repeats its last input: one entry in
    the history, not two). Read by htmx from the HX-Push-Url header."""
    shown = _shown_url(request.GET)
    current = urlsplit(request.htmx.current_url or "")
    if current.path == reverse("generation:gallery") and _same_filters(
        shown, _shown_url(QueryDict(current.query))
    ):
        return "false"
    return shown


def _same_filters(one: str, other: str) -> bool:
    return sorted(QueryDict(urlsplit(one).query).lists()) == sorted(
        QueryDict(urlsplit(other).query).lists()
    )


@login_required
@require_GET
def gallery(request):
    """Newest first, filtered (studio.gallery.filters); htmx asks for further pages as you
    scroll, and swaps the grid when a filter changes. A constant number of queries per page,
    whatever its size and depth: "more" asks for the cards after the last one shown
    (`?after=`, studio.gallery.pages); a cursor that is not one shows the first page."""
    per_page = pages.per_page_of(request.GET.get("per_page"))
    cursor = pages.cursor_from(request.GET.get("after"))
    number = pages.page_number_of(request.GET.get("page"))
    filters = _gallery_filter(request, per_page, cursor, number)
    page = pages.gallery_page(
        filters.qs,
        request.user,
        number=number,
        per_page=per_page,
        cursor=cursor,
        light=True,  # the cards not in the card cache are read in full (wall_cards)
    )
    context = {
        "page": page,
        "filter": filters,
        "query": _page_query(request.GET),
        "page_sizes": pages.PAGE_SIZES,
        "workspace_keys": access.workspace_keys(request.workspace, request.user),
    }
    template = "gallery/gallery.html"
    further = request.GET.get("page") or request.GET.get("after")
    wants_grid = further or request.htmx.target == "gallery-grid"
    if request.htmx and not request.htmx.history_restore_request and wants_grid:
        template += "#page"
    else:  # a whole page: with the prompt bar
        context["bar"] = bar.bar_context(request)
    response = TemplateResponse(request, template, context)
    if request.htmx.trigger == FILTER_FORM and not further:
        # The filters' own request sets the address; "Load more" never does.
        response["HX-Push-Url"] = _push_url(request)
    # The same URL answers a whole page or only the grid: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def card(request, generation_id):
    """One gallery card, fetched again by the page when the live channel says it changed
    (studio.gallery.live). A final card answers 286 (an htmx poll of an older page stops)
    and triggers `generation-finished` (the header's credits, a detail page's reload)."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    response = TemplateResponse(request, "gallery/gallery.html#card", {"generation": generation})
    if generation.is_final:
        response.render()
        response = HttpResponseStopPolling(response.content)
        trigger_client_event(response, "generation-finished", {"id": str(generation.pk)})
    return response
