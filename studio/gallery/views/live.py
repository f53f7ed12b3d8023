"""The live channel's views: a server-sent event stream of the person's changed cards
(studio.gallery.live), and those cards' HTML, many in one request."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import trigger_client_event

from studio.gallery import live as channel
from studio.gallery import pages
from studio.generation import selectors


@login_required
@require_GET
def live(request):
    """GET live/?opened=<ISO time>: `text/event-stream` for one page of the studio; the
    browser's `Last-Event-ID` (the last event's cursor) resumes where a previous stream
    stopped. Nothing is cached or buffered on the way (nginx: `X-Accel-Buffering: no`)."""
    now = timezone.now()
    opened = channel.parse_time(request.GET.get("opened"), now)
    cursor = channel.parse_time(request.headers.get("Last-Event-ID"), opened)
    watch = channel.Watch(
        user=request.user, workspace=request.workspace, cursor=cursor, opened=opened
    )
    response = StreamingHttpResponse(channel.stream(watch), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# One request refreshes at most this many cards (a page shows 96 at most).
MAX_CARDS = 100


@login_required
@require_GET
def cards(request):
    """GET cards/?id=<uuid>&id=…: the current HTML of those cards the person may see (ids
    they may not see, or that do not exist, are left out), for the live channel's page to put
    in place. With a final card among them the answer triggers `generation-finished` (the
    header's credits follow)."""
    ids = []
    for value in request.GET.getlist("id")[:MAX_CARDS]:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    generations = list(
        pages.with_card_data(
            selectors.visible_generations(request.user).filter(pk__in=ids), request.user
        ).select_related("provider_key", "parent", "team")
    )
    response = TemplateResponse(request, "gallery/_cards.html", {"generations": generations})
    finished = [str(g.pk) for g in generations if g.is_final]
    if finished:
        trigger_client_event(response, "generation-finished", {"ids": finished})
    return response
