"""Share links: create and revoke (signed in), and the public read-only page with its files.

The public page and its files need no account. They show the shared images and prompts
only (no team, member or navigation), are not indexed, and send no referrer: the token is
the only key, so it must not leak to other sites. An unknown, expired or revoked link gets
404 with a page saying it is no longer valid (the same answer for all three).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from studio.gallery.models import Collection
from studio.generation import selectors
from studio.sharing import services
from studio.sharing.services import LinkGone, ShareError
from studio.web.ranges import file_response

PUBLIC_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _public(response):
    for name, value in PUBLIC_HEADERS.items():
        response[name] = value
    return response


def _collection(user, collection_id) -> Collection:
    try:
        collection = Collection.objects.get(pk=collection_id)
    except (Collection.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not services.collection_visible(user, collection):
        raise Http404
    return collection


@login_required
@require_POST
def create(request):
    """POST generation=<uuid> or collection=<uuid>, days=1|7|30. With htmx: the new link
    (or the reason there is none) in place; otherwise back to the object's page."""
    generation = collection = None
    if request.POST.get("collection"):
        collection = _collection(request.user, request.POST["collection"])
        back = collection.get_absolute_url()
    else:
        generation = selectors.get_generation_for_user(
            request.user, request.POST.get("generation", "")
        )
        back = generation.get_absolute_url()
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        days = 0
    try:
        link = services.share_create(
            user=request.user, days=days, generation=generation, collection=collection
        )
    except ShareError as exc:
        if request.htmx:
            return TemplateResponse(request, "sharing/_created.html", {"error": str(exc)})
        messages.error(request, str(exc))
        return redirect(back)
    url = request.build_absolute_uri(link.get_absolute_url())
    if request.htmx:
        return TemplateResponse(request, "sharing/_created.html", {"link": link, "url": url})
    messages.success(
        request, f"Public link created, valid until {link.expires_at:%Y-%m-%d %H:%M}: {url}"
    )
    return redirect("sharing:links")


@login_required
@require_GET
def links(request):
    """Links I made and, for a team owner, the team's; active ones can be revoked."""
    found = list(services.links_for(request.user)[:200])
    for link in found:
        link.revocable = services.can_revoke(request.user, link)
    return TemplateResponse(request, "sharing/links.html", {"links": found})


@login_required
@require_POST
def revoke(request, link_id):
    link = services.share_revoke(user=request.user, link_id=link_id)
    messages.success(request, "The link is revoked: it no longer opens.")
    if request.htmx:
        link.revocable = True
        return TemplateResponse(request, "sharing/links.html#row", {"link": link})
    return redirect("sharing:links")


def _gone(request):
    response = TemplateResponse(request, "sharing/gone.html", status=404)
    return _public(response)


@require_GET
def public(request, token):
    """The shared image(s) and prompt(s), for anyone with the link."""
    try:
        link = services.share_open(token)
    except LinkGone:
        return _gone(request)
    generations = list(services.shared_generations(link))
    response = TemplateResponse(
        request, "sharing/public.html", {"link": link, "generations": generations}
    )
    response["Cache-Control"] = "no-store"
    return _public(response)


@require_GET
def public_asset(request, token, asset_id, kind):
    """A file (or its thumbnail) of the shared generation(s) only; byte ranges for video."""
    if kind not in ("file", "thumb"):
        raise Http404
    try:
        link = services.share_open(token)
    except LinkGone:
        return _gone(request)
    asset = services.shared_asset(link, asset_id)
    field = asset.thumbnail if kind == "thumb" else asset.file
    if not field:
        raise Http404
    content_type = "image/webp" if kind == "thumb" else asset.content_type
    response = file_response(request, field.storage, field.name, content_type)
    # Short: a revoked link must stop serving soon even from caches that kept a copy.
    response["Cache-Control"] = "private, max-age=300"
    return _public(response)
