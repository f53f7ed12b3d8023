"""Importing an ImagineLab account's past generations (GET /generations, seed 002).

Runs in a django-q task (studio.generation.tasks.import_history hands ImagineLab keys
here), never in a web request. Like the ImaginePro import (studio.generation.imports), each
new history item becomes a SUBMITTED generation holding the provider's id; the poller then
asks its status, fetches its outputs and downloads them as for a job we sent ourselves.
One row per provider id per key: importing twice adds nothing.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import worker
from studio.generation.imports import (
    DEADLINE,
    LEASE_SECONDS,
    ImportRefused,
    ImportResult,
    save_new,
)
from studio.generation.models import Generation, Model, Status
from studio.imaginelab import services
from studio.imaginelab.types import ACTION_OF_TYPE
from studio.provider.errors import ProviderError

log = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_PAGES = 25  # hard cap: 500 items per import, whatever the provider answers
TIME_BUDGET = 100.0  # seconds of reading; the task's timeout is 150 s


def _field(item: Any, name: str, default: Any = "") -> Any:
    """An attribute of a history item (the client's LabGeneration) or a key of a dict."""
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def _generation_for(key: ProviderKey, item: Any, provider_id: str) -> Generation:
    generation_type = str(_field(item, "generation_type") or "image").lower()
    action = ACTION_OF_TYPE.get(generation_type, ACTION_OF_TYPE["image"])
    model_name = str(_field(item, "model_name") or "")
    now = timezone.now()
    generation = Generation(
        user_id=key.user_id,
        team_id=key.team_id,
        provider_key=key,
        is_sandbox=key.is_sandbox,
        model=Model.IMAGINELAB,
        action=action,
        endpoint="lab_generate",
        prompt=str(_field(item, "prompt") or ""),
        params={"imported": True, "generation_type": generation_type, "model": model_name},
        request_body={},
        cost=0,  # paid when it was made
        status=Status.SUBMITTED,
        message_id=provider_id,
        status_note="imported from ImagineLab's history",
        submitted_at=now,
        next_poll_at=now,
        deadline_at=now + DEADLINE,
    )
    generation.root_id = generation.pk
    return generation


def _read_history(key: ProviderKey, result: ImportResult) -> list[Any]:
    """Every page while the provider says there is a next one, at most MAX_PAGES. A failure
    keeps the pages already read and records the error."""
    lab = services.client(key)
    items: list[Any] = []
    stop_at = time.monotonic() + TIME_BUDGET
    for number in range(1, MAX_PAGES + 1):
        if number > 1 and time.monotonic() > stop_at:
            result.error = (
                f"ImagineLab's history was slow: {number - 1} pages were imported. "
                "Import again to fetch the rest."
            )
            return items
        try:
            page = lab.history(page=number, page_size=PAGE_SIZE)
        except ProviderError as exc:
            problem = services.unavailable(key, exc, "the history")
            where = f" (stopped at page {number})" if number > 1 else ""
            result.error = f"{problem}{where}"
            return items
        result.pages = number
        items.extend(page.items)
        if not page.has_next or not page.items:
            return items
    result.truncated = True
    return items


def lab_history_import(key_id, *, start_poll: Callable[[], None] | None = None) -> ImportResult:
    """Import the key's ImagineLab history (GET /generations?page&page_size).

    Creates one SUBMITTED generation per item not yet known for this key (cost 0,
    `params["imported"]`), then calls `start_poll`. Provider errors end up in
    `ImportResult.error`, never raised. Raises ImportRefused when the key is gone, is not
    an ImagineLab key, or the person already has an import running.
    """
    key = ProviderKey.objects.filter(pk=key_id).first()
    if key is None:
        raise ImportRefused("The key was deleted before the import ran.")
    if not key.is_imaginelab:
        raise ImportRefused("That is not an ImagineLab key.")
    lease, owner = f"import-{key.user_id}", uuid.uuid4().hex
    if not worker.take_lease(lease, owner, LEASE_SECONDS):
        raise ImportRefused("Another import is already running; try again in a minute.")
    result = ImportResult(key_name=key.name)
    try:
        items = _read_history(key, result)
        save_new(
            items,
            [str(_field(item, "id") or "").strip() for item in items],
            known=Generation.objects.filter(provider_key=key),
            build=lambda item, provider_id: _generation_for(key, item, provider_id),
            result=result,
        )
    finally:
        worker.release_lease(lease, owner)
    if result.created and start_poll is not None:
        start_poll()
    log.info(
        "imaginelab history import for key %s: %d new, %d known, %d pages%s",
        key.pk,
        len(result.created),
        result.skipped,
        result.pages,
        f", error: {result.error}" if result.error else "",
    )
    return result
