"""Importing a key's last 24 hours from the provider (GET /nova/images, imaginepro.md §3.8).

Runs in a django-q task (tasks.import_history), never in a web request. Each history item
becomes a SUBMITTED generation holding the provider's messageId; the normal poller then
fetches its message and downloads its files, exactly as for a job we submitted ourselves.
Items already known (the same messageId for the same person) are skipped, so importing twice
adds nothing.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import worker
from studio.generation.models import Action, Generation, Model, Status
from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient

log = logging.getLogger(__name__)

PAGE_SIZE = 10  # the documented default of `size` (S003); larger pages are not promised
MAX_PAGES = 30  # hard cap: 300 items, whatever the provider answers
TIME_BUDGET = 100.0  # seconds of reading; the task's timeout is 150 s (tasks.enqueue_import)
HISTORY_TIMEOUT = (3.0, 10.0)  # (connect, read) seconds per page
LEASE_SECONDS = 300  # one import per person at a time; longer than any import can run
DEADLINE = timedelta(seconds=900 + 120)  # like a submitted job: the `timeout` default + margin

# History `type` → (model, action, client route). The provider does not list its values;
# these are the job kinds of §2 spelled as the sandbox spells them, plus likely variants.
_TYPES: dict[str, tuple[str, str, str]] = {
    "imagine": (Model.MIDJOURNEY, Action.IMAGINE, "imagine"),
    "button": (Model.MIDJOURNEY, Action.BUTTON, "button"),
    "describe": (Model.MIDJOURNEY, Action.DESCRIBE, "describe"),
    "blend": (Model.MIDJOURNEY, Action.BLEND, "blend"),
    "faceswap": (Model.TOOLS, Action.FACESWAP, "faceswap"),
    "flux": (Model.FLUX, Action.IMAGINE, "flux_imagine"),
    "upscale": (Model.FLUX, Action.UPSCALE, "flux_upscale"),
    "remove-bg": (Model.TOOLS, Action.REMOVE_BG, "remove_bg"),
    "universal": (Model.NANO_BANANA, Action.IMAGINE, "universal_imagine"),
    "gemini": (Model.NANO_BANANA, Action.IMAGINE, "universal_imagine"),
    "zimage": (Model.LUMI_GIRL, Action.IMAGINE, "zimage"),
    "video": (Model.VIDEO, Action.VIDEO, "video_generate"),
    "extend": (Model.VIDEO, Action.EXTEND, "video_extend"),
}
_ALIASES = {
    "midjourney": "imagine",
    "flux-imagine": "flux",
    "flux-upscale": "upscale",
    "removebg": "remove-bg",
    "remove-background": "remove-bg",
    "universal-imagine": "universal",
    "nano-banana": "universal",
    "lumi-girl": "zimage",
    "video-generate": "video",
    "video-extend": "extend",
}


class ImportRefused(Exception):
    """An import that cannot start (another one is running, the key is gone)."""


@dataclass
class ImportResult:
    """What one import did; stored as the task's result (plain JSON-able values).

    created: ids of the new generations, oldest history item first.
    skipped: items already in the gallery, repeated within the history, or without an id.
    pages: history pages read. truncated: MAX_PAGES was reached with more to come.
    error: a sentence for the person when the import failed or stopped early.
    """

    key_name: str = ""
    created: list[str] = field(default_factory=list)
    skipped: int = 0
    pages: int = 0
    truncated: bool = False
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def classify(item: dict[str, Any]) -> tuple[str, str, str]:
    """(model, action, route) for a history item, from its `type` and `button`.

    Unknown types become the closest known kind when their name contains one
    (e.g. "mj_video" → video), else a Midjourney imagine — or a Midjourney button when
    the item names a button.
    """
    kind = str(item.get("type") or "").strip().lower().replace("_", "-").replace(" ", "-")
    kind = _ALIASES.get(kind, kind)
    if kind in _TYPES:
        return _TYPES[kind]
    for known in sorted(_TYPES, key=len, reverse=True):
        if known in kind:
            return _TYPES[known]
    return _TYPES["button" if item.get("button") else "imagine"]


def _generation_for(key: ProviderKey, item: dict[str, Any], message_id: str) -> Generation:
    model, action, route = classify(item)
    now = timezone.now()
    button = str(item.get("button") or "")[:40] if action == Action.BUTTON else ""
    generation = Generation(
        user_id=key.user_id,
        team_id=key.team_id,
        provider_key=key,
        is_sandbox=key.is_sandbox,
        model=model,
        action=action,
        endpoint=route,
        button=button,
        prompt=str(item.get("prompt") or ""),
        params={"imported": True},
        request_body={},
        cost=0,  # paid when it was made
        status=Status.SUBMITTED,
        message_id=message_id,
        status_note="imported from the provider's history",
        submitted_at=now,
        next_poll_at=now,
        deadline_at=now + DEADLINE,
    )
    generation.root_id = generation.pk  # its parent, if any, is not known here
    return generation


def _read_history(client: ImagineProClient, result: ImportResult) -> list[dict[str, Any]]:
    """Every page until one is shorter than PAGE_SIZE, at most MAX_PAGES. A failure keeps
    the pages already read and records the error."""
    items: list[dict[str, Any]] = []
    stop_at = time.monotonic() + TIME_BUDGET
    for page in range(1, MAX_PAGES + 1):
        if page > 1 and time.monotonic() > stop_at:
            result.error = (
                f"The provider's history was slow: {page - 1} pages were imported. "
                "Import again to fetch the rest."
            )
            return items
        if page > 1:
            # History is one of the provider's "general" endpoints: about 1 request / 3 s.
            time.sleep(settings.SUBMIT_SPACING)
        try:
            batch = client.images(page=page, size=PAGE_SIZE)
        except ProviderError as exc:
            where = f" (stopped at page {page})" if page > 1 else ""
            result.error = f"The provider's history could not be read{where}: {exc.describe()}"
            return items
        result.pages = page
        items.extend(batch)
        if len(batch) < PAGE_SIZE:
            return items
    result.truncated = True
    return items


def history_import(key_id, *, start_poll: Callable[[], None] | None = None) -> ImportResult:
    """Import the key's history of the last 24 hours (GET /nova/images?page&size).

    Creates one SUBMITTED generation per new item (cost 0, `params={"imported": True}`,
    a deadline like a submitted job) and then calls `start_poll` so the poller fetches
    them. Never raises for provider errors: they are reported in `ImportResult.error`.
    Raises ImportRefused when the key no longer exists or the person already has an import
    running.
    """
    key = ProviderKey.objects.filter(pk=key_id).first()
    if key is None:
        raise ImportRefused("The key was deleted before the import ran.")
    lease, owner = f"import-{key.user_id}", uuid.uuid4().hex
    if not worker.take_lease(lease, owner, LEASE_SECONDS):
        raise ImportRefused("Another import is already running; try again in a minute.")
    result = ImportResult(key_name=key.name)
    try:
        client = ImagineProClient(
            base_url=key.base_url, api_key=key.api_key, timeout=HISTORY_TIMEOUT
        )
        items = _read_history(client, result)
        ids = [str(item.get("id") or item.get("messageId") or "").strip() for item in items]
        save_new(
            items,
            ids,
            known=Generation.objects.filter(user_id=key.user_id),
            build=lambda item, message_id: _generation_for(key, item, message_id),
            result=result,
        )
    finally:
        worker.release_lease(lease, owner)
    if result.created and start_poll is not None:
        start_poll()
    log.info(
        "history import for key %s: %d new, %d known, %d pages%s",
        key.pk,
        len(result.created),
        result.skipped,
        result.pages,
        f", error: {result.error}" if result.error else "",
    )
    return result


def save_new(
    items: list[Any],
    ids: list[str],
    *,
    known: QuerySet,
    build: Callable[[Any, str], Generation],
    result: ImportResult,
) -> None:
    """Create a row for each history item whose provider id is not among `known` (the
    generations already imported: a queryset to read their `message_id`s from), with
    `build(item, provider_id)`; count the rest as skipped. `ids[i]` is `items[i]`'s id.

    The history lists the newest first: the oldest is created first so the gallery (newest
    created on top) keeps the provider's order, one by one so each gets its own
    created_at."""
    seen = set(
        known.filter(message_id__in=[i for i in ids if i])
        .values_list("message_id", flat=True)
        .iterator()
    )
    new: list[Generation] = []
    for item, provider_id in reversed(list(zip(items, ids, strict=True))):
        if not provider_id or provider_id in seen:
            result.skipped += 1
            continue
        seen.add(provider_id)
        new.append(build(item, provider_id))
    with transaction.atomic():
        for generation in new:
            generation.save()
    result.created = [str(generation.pk) for generation in new]
