"""Favourites, collections, and what the gallery's selection bar does (ZIP, delete, add to a
collection). The rules live in services.py and archive.py; these views only ask and answer.

Every form here works without JavaScript (a POST, then a redirect back with a message);
htmx only swaps the favourite star in place.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from studio.gallery import archive, services
from studio.gallery.pages import gallery_page, page_number_of, per_page_of
from studio.generation import selectors
from studio.teams import access

MAX_IDS = 1000  # ids read from one request; more is not a selection a person makes


def _next_url(request, default: str = "") -> str:
    """Where to go back to: a same-site `next`, else the page the person came from, else
    `default` (the gallery). Only a path or an absolute URL counts: `redirect` would take
    anything else for a view's name."""
    for candidate in (
        request.POST.get("next"),
        request.GET.get("next"),
        request.headers.get("Referer"),
    ):
        if not candidate or not candidate.startswith(("/", "http://", "https://")):
            continue
        if url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default or reverse("generation:gallery")


def _ids(request) -> list:
    """The chosen generation ids (`ids`, repeated), well-formed UUIDs only."""
    data = request.POST if request.method == "POST" else request.GET
    found = []
    for value in data.getlist("ids")[:MAX_IDS]:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return list(dict.fromkeys(found))


def _visible(request) -> list:
    """The chosen ids (see `_ids`) of generations the person may see, in the order given."""
    ids = _ids(request)
    if not ids:
        return []
    visible = set(
        selectors.visible_generations(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    return [pk for pk in ids if pk in visible]


def _chosen(request) -> list:
    """`_visible`, but raises Http404 when ids were sent and none of them is visible: someone
    asking for another workspace's images learns nothing, and nothing happens."""
    visible = _visible(request)
    if _ids(request) and not visible:
        raise Http404("No such generations.")
    return visible


# --- favourites ----------------------------------------------------------------------------


@login_required
@require_POST
def favourite(request, generation_id):
    """Star or unstar a generation for the person (viewers too: a star is one's own)."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    on = services.favourite_toggle(request.user, generation)
    if request.htmx:
        return TemplateResponse(
            request, "gallery/_favourite.html", {"g": generation, "favourite": on}
        )
    return redirect(_next_url(request))


# --- collections ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collections(request):
    """The current workspace's collections; POST `name` makes a new one."""
    workspace = request.workspace
    error, name = "", ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            collection = services.collection_create(request.user, workspace, name)
        except services.LibraryError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Collection “{collection.name}” created.")
            return redirect(collection)
    found = (
        services.workspace_collections(workspace, request.user)
        .select_related("owner")
        .annotate(item_count=Count("items"))
    )
    context = {"collections": found, "error": error, "name": name}
    return TemplateResponse(
        request, "gallery/collections.html", context, status=400 if error else 200
    )


@login_required
def collection(request, collection_id):
    """One collection: its generations, newest first, with rename, remove and delete
    for those who may change it."""
    found = services.collection_get(request.user, collection_id)
    queryset = selectors.visible_generations(request.user).filter(
        collection_items__collection=found
    )
    page = gallery_page(
        queryset,
        request.user,
        number=page_number_of(request.GET.get("page")),
        per_page=per_page_of(request.GET.get("per_page")),
    )
    context = {
        "collection": found,
        "page": page,
        "can_change": services.collection_allowed(request.user, found, access.CREATE),
    }
    template = "gallery/collection.html"
    if request.htmx and request.GET.get("page"):
        template += "#tiles"
    return TemplateResponse(request, template, context)


@login_required
@require_POST
def collection_rename(request, collection_id):
    found = services.collection_get(request.user, collection_id, access.CREATE)
    try:
        services.collection_rename(request.user, found, request.POST.get("name", ""))
    except services.LibraryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Renamed to “{found.name}”.")
    return redirect(found)


@login_required
@require_POST
def collection_delete(request, collection_id):
    found = services.collection_get(request.user, collection_id, access.CREATE)
    services.collection_delete(request.user, found)
    messages.success(request, f"Collection “{found.name}” deleted; its images stay in the gallery.")
    return redirect("library:collections")


@login_required
@require_POST
def collection_remove(request, collection_id):
    """Take the chosen generations (`ids`) out of the collection."""
    found = services.collection_get(request.user, collection_id, access.CREATE)
    removed = services.collection_remove(request.user, found, _ids(request))
    if removed:
        messages.success(request, f"Removed {removed} from “{found.name}”.")
    else:
        messages.error(request, "Choose what to remove first.")
    return redirect(found)


@login_required
@require_http_methods(["GET", "POST"])
def collection_add(request):
    """Add the chosen generations (`ids`) to a collection of the current workspace: an
    existing one (`collection`) or a new one (`name`). Without either, the page that asks
    which (from a card's link, or the selection bar). Ids the person cannot see are dropped;
    a POST where none is left is 404 (`_chosen`) and makes nothing, not even the new
    collection."""
    workspace = request.workspace
    if not workspace.allows(access.CREATE):
        raise PermissionDenied("Viewers can look at team collections but not change them.")
    ids = _chosen(request) if request.method == "POST" else _visible(request)
    error = ""
    chosen, name = request.POST.get("collection"), request.POST.get("name", "").strip()
    if request.method == "POST" and ids and (chosen or name):
        try:
            if chosen:
                target = services.collection_get(request.user, chosen, access.CREATE)
            else:
                target = services.collection_create(request.user, workspace, name)
        except services.LibraryError as exc:
            error = str(exc)
        else:
            result = services.collection_add(request.user, target, ids)
            messages.success(request, f"“{target.name}”: {result.message}")
            return redirect(_next_url(request))
    elif request.method == "POST" and not ids:
        messages.error(request, "Choose the generations to add first.")
        return redirect(_next_url(request))
    context = {
        "ids": ids,
        "count": len(ids),
        "collections": services.workspace_collections(workspace, request.user),
        "next": _next_url(request),
        "error": error,
        "name": name,
    }
    return TemplateResponse(request, "gallery/add.html", context, status=400 if error else 200)


# --- the selection: ZIP and delete ---------------------------------------------------------


@login_required
@require_POST
def zip_download(request):
    """The chosen generations' stored files as one ZIP, streamed from a temporary file."""
    try:
        stream, _count = archive.zip_build(request.user, _chosen(request))
    except services.LibraryError as exc:
        messages.error(request, str(exc))
        return redirect(_next_url(request))
    name = f"studio-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(stream, as_attachment=True, filename=name, content_type="application/zip")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    """Delete the chosen generations (`ids`): first a page that lists what will go and what
    stays (with why), then, with `confirm`, the deletion and a redirect back."""
    ids = _chosen(request)
    deletable, kept = services.deletion_plan(request.user, ids)
    back = _next_url(request)
    if request.method == "POST" and request.POST.get("confirm"):
        if not deletable and any(r == services.RIGHTS_REFUSAL for _, r in kept):
            raise PermissionDenied(services.RIGHTS_REFUSAL)
        result = services.generations_delete(request.user, ids)
        if result.deleted:
            messages.success(
                request,
                f"Deleted {result.deleted} generation{'s' if result.deleted != 1 else ''} "
                "and their files.",
            )
        for generation, reason in result.kept:
            messages.error(request, f"Kept “{generation.title}”: {reason}")
        if back.rstrip("/").endswith(tuple(str(g.pk) for g in deletable)):
            back = reverse("generation:gallery")  # its own page is gone
        return redirect(back)
    if not ids:
        messages.error(request, "Choose the generations to delete first.")
        return redirect(back)
    context = {"deletable": deletable, "kept": kept, "next": back}
    return TemplateResponse(request, "gallery/delete.html", context)
