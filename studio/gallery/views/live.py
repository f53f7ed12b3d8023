"""The live channel's view: a server-sent event stream of the person's changed cards
(studio.gallery.live)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from studio.gallery import live as channel


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
