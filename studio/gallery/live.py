"""The gallery's live channel: one server-sent event stream per open page tells it which
cards changed, instead of every running card asking every 2 s.

A page opens `GET /live/?opened=<ISO time the page was drawn>` with `EventSource`
(static/js/live.js). The stream checks the person's generations every `LIVE_TICK_SECONDS`
(default 0.15 s) with one indexed query on `updated_at` (every change of a row moves it:
studio.generation.querysets) and sends

    id: <cursor, an ISO time>
    event: changed
    data: {"changed": {"<uuid>": "<stamp>", …}, "new": ["<uuid>", …], "finished": ["<uuid>", …]}

`changed`: generations the person may see whose row moved, with the row's version (`stamp`;
the page refetches a card it shows whose `data-updated` differs); `new`: those made in the page's workspace since the page was drawn (a teammate's job, or
one's own from another tab or device, put at the top of the wall); `finished`: those of
`changed` that ended (done or failed), which the page fetches ahead of cards that only
moved on (with 100 jobs running, their progress would otherwise hold a finished image
back). A stream lasts `LIVE_STREAM_SECONDS`
(default 25 s) so a gunicorn thread is never held for long; the browser reconnects by itself
and sends the last `id` as `Last-Event-ID`, so nothing is missed in between. Each open stream
holds one server thread while it lasts (docs/architecture.md "Live updates").
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from studio.generation import selectors
from studio.generation.models import FINAL
from studio.teams.access import Workspace

logger = logging.getLogger(__name__)

# A row's updated_at is stamped before its transaction commits, so a row can appear with a
# time slightly before the cursor: look back this far and skip what was already sent.
OVERLAP = timedelta(seconds=2)
# A cursor from an old tab is clamped: a page that old reloads what it shows anyway.
LONGEST_CATCH_UP = timedelta(minutes=10)
ROWS_PER_CHECK = 200
HEARTBEAT_SECONDS = 5.0  # a closed tab is noticed at the next write


def _setting(name: str, default: float) -> float:
    """A live-channel setting: Django settings first (tests set them), then the
    environment, then the default."""
    return float(getattr(settings, name, None) or os.environ.get(name) or default)


def parse_time(value: str | None, default: datetime) -> datetime:
    """An ISO 8601 time from the page or `Last-Event-ID`, aware and not older than
    LONGEST_CATCH_UP nor later than now; anything unreadable is `default`."""
    now = timezone.now()
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return default
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.utc)
    return min(max(moment, now - LONGEST_CATCH_UP), now)


# What a polled (SUBMITTED or PROCESSING) card shows: a poll that moved none of these, only
# `updated_at` and the next poll time, is not announced (a page would refetch for nothing).
SHOWN = ("status", "progress", "status_note", "error", "news_at", "cancel_requested_at")
POLLED = ("submitted", "processing")


@dataclass
class Watch:
    """What one stream has seen: `cursor` (the latest `updated_at` read), `opened` (when the
    page was drawn; later jobs in its workspace are `new`), the (id, updated_at) pairs sent within
    the overlap (a row is announced once per change) and what each polled row showed when
    it was last announced (`shown`)."""

    user: object
    workspace: Workspace
    cursor: datetime
    opened: datetime
    sent: dict = field(default_factory=dict)
    shown: dict = field(default_factory=dict)

    def check(self) -> dict | None:
        """One look at the database: `{"changed": {id: stamp}, "new": [id, …], "finished":
        [id, …]}`, or None
        when nothing changed. Two index ranges on `updated_at`: the rows after the cursor,
        oldest first (so a burst of more than ROWS_PER_CHECK moves the cursor on at every
        check), and those within OVERLAP before it (a late commit; mostly already sent)."""
        mine = selectors.visible_generations(self.user)
        fields = ("pk", "updated_at", "created_at", "team_id", *SHOWN)
        fresh = mine.filter(updated_at__gt=self.cursor).order_by("updated_at")
        late = mine.filter(
            updated_at__gt=self.cursor - OVERLAP, updated_at__lte=self.cursor
        ).order_by("-updated_at")
        rows = [
            *late.values_list(*fields)[:ROWS_PER_CHECK],
            *fresh.values_list(*fields)[:ROWS_PER_CHECK],
        ]
        changed, new, finished = {}, [], []
        team_id = self.workspace.team.pk if self.workspace.team else None
        for pk, updated_at, created_at, row_team, *showing in rows:
            self.cursor = max(self.cursor, updated_at)
            if self.sent.get(pk) == updated_at:
                continue
            self.sent[pk] = updated_at
            if showing[0] in POLLED and self.shown.get(pk) == showing:
                continue  # polled, nothing new to show
            self.shown[pk] = showing
            changed[str(pk)] = stamp(updated_at)
            if showing[0] in FINAL:
                finished.append(str(pk))
            if created_at > self.opened and row_team == team_id:
                new.append(str(pk))
        horizon = self.cursor - OVERLAP
        self.sent = {pk: at for pk, at in self.sent.items() if at > horizon}
        if not changed:
            return None
        return {"changed": changed, "new": new, "finished": finished}


def stamp(moment: datetime) -> str:
    """A row's version as the card shows it (`data-updated`): its `updated_at` in
    microseconds since the epoch, so the page skips a card it already shows."""
    return f"{int(moment.timestamp())}{moment.microsecond:06d}"


def event(watch: Watch, data: dict) -> str:
    """One `changed` event in the text/event-stream format (https://html.spec.whatwg.org/
    multipage/server-sent-events.html)."""
    return f"id: {watch.cursor.isoformat()}\nevent: changed\ndata: {json.dumps(data)}\n\n"


def stream(
    watch: Watch,
    *,
    seconds: float | None = None,
    tick: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """The body of one live response: a `retry` hint, then an event whenever something
    changed, a comment line as heartbeat, until `seconds` (LIVE_STREAM_SECONDS) have
    passed. The caller's connection closing ends it too (the server stops iterating)."""
    seconds = _setting("LIVE_STREAM_SECONDS", 25.0) if seconds is None else seconds
    tick = _setting("LIVE_TICK_SECONDS", 0.15) if tick is None else tick
    start = clock()
    spoke = start
    yield f"retry: {int(_setting('LIVE_RETRY_MS', 500))}\n\n"
    while True:
        try:
            data = watch.check()
        except Exception:  # the database went away: end here, the browser reconnects
            logger.info("live channel: a check failed; the stream ends", exc_info=True)
            return
        now = clock()
        if data:
            spoke = now
            yield event(watch, data)
        elif now - spoke >= HEARTBEAT_SECONDS:
            spoke = now
            yield ": still here\n\n"
        if now - start >= seconds:
            return
        sleep(tick)
