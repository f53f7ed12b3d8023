"""Importing a key's history from its provider: one import, one reader per provider.

Runs in a django-q task (tasks.import_history), never in a web request. Each new history item
becomes a SUBMITTED generation holding the provider's id; the normal poller then fetches it
and downloads its files, exactly as for a job we submitted ourselves. Items already known are
skipped, so importing twice adds nothing.

A reader is a module registered for a provider's name with `register_reader` (by its app's
AppConfig.ready: generation registers imaginepro_history, the imaginelab app its history);
the import picks it by the key's provider. A reader has:
- NAME: the provider's name for the log;
- read(key, result) -> list of items: every page it may read, recording `result.pages`,
  `result.truncated` and, on a provider error, `result.error` (never raising for it);
- provider_id(item) -> str: the item's provider id ("" when it has none);
- known(key) -> QuerySet of the generations whose ids count as already imported;
- build(key, item, provider_id) -> an unsaved SUBMITTED Generation.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from types import ModuleType
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from studio.accounts.models import ProviderKey
from studio.credits import ledger
from studio.generation import leases
from studio.generation.models import Generation

log = logging.getLogger(__name__)

LEASE_SECONDS = 300  # one import per person at a time; longer than any import can run
DEADLINE = timedelta(seconds=900 + 120)  # like a submitted job: the `timeout` default + margin

# Provider name (ProviderKey.provider) -> its reader module.
READERS: dict[str, ModuleType] = {}


def register_reader(provider: str, reader: ModuleType) -> None:
    """Make `reader` (see the module docstring) the history reader of `provider`'s keys."""
    READERS[provider] = reader


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


def history_import(key_id, *, start_poll: Callable[[], None] | None = None) -> ImportResult:
    """Import the key's history with its provider's reader (see the module docstring).

    Creates one SUBMITTED generation per new item (the cost its provider reports, booked;
    `params["imported"]`, a deadline
    like a submitted job) and then calls `start_poll` so the poller fetches them. Never
    raises for provider errors: they are reported in `ImportResult.error`. Raises
    ImportRefused when the key no longer exists, its provider has no history to read, or
    the person already has an import running.
    """
    key = ProviderKey.objects.filter(pk=key_id).first()
    if key is None:
        raise ImportRefused("The key was deleted before the import ran.")
    reader = READERS.get(key.provider)
    if reader is None:
        raise ImportRefused(f"The studio cannot import {key.get_provider_display()}'s history.")
    lease, owner = f"import-{key.user_id}", uuid.uuid4().hex
    if not leases.take_lease(lease, owner, LEASE_SECONDS):
        raise ImportRefused("Another import is already running; try again in a minute.")
    result = ImportResult(key_name=key.name)
    try:
        items = reader.read(key, result)
        save_new(
            items,
            [reader.provider_id(item) for item in items],
            known=reader.known(key),
            build=lambda item, provider_id: reader.build(key, item, provider_id),
            result=result,
        )
    finally:
        leases.release_lease(lease, owner)
    if result.created and start_poll is not None:
        start_poll()
    log.info(
        "%s history import for key %s: %d new, %d known, %d pages%s",
        reader.NAME,
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
            # What the provider says the item cost (ImagineLab's credit_cost) is booked, so
            # the card, Usage and the wallet agree; ImaginePro's history says no cost (0).
            ledger.charge(generation, note=f"{generation.title}: imported, the provider's cost")
    result.created = [str(generation.pk) for generation in new]
