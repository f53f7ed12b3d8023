"""The ImagineLab reader of a history import (studio.generation.imports; registered by this
app's AppConfig): the account's past generations (GET /generations, see
docs/provider-contract.md). One row per provider id per key: importing twice adds nothing.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation.imports import DEADLINE, ImportResult
from studio.generation.models import Generation, Model, Status
from studio.imaginelab import services
from studio.imaginelab.types import ACTION_OF_TYPE
from studio.provider.errors import ProviderError

NAME = "ImagineLab"
PAGE_SIZE = 20
MAX_PAGES = 25  # hard cap: 500 items per import, whatever the provider answers
TIME_BUDGET = 100.0  # seconds of reading; the task's timeout is 150 s


def _field(item: Any, name: str, default: Any = "") -> Any:
    """An attribute of a history item (the client's LabGeneration) or a key of a dict."""
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def provider_id(item: Any) -> str:
    """The item's generation id ("" when it has none)."""
    return str(_field(item, "id") or "").strip()


def known(key: ProviderKey) -> QuerySet:
    """Ids are the account's: known when this key already imported or made them."""
    return Generation.objects.filter(provider_key=key)


def build(key: ProviderKey, item: Any, provider_id: str) -> Generation:
    """The SUBMITTED generation of one history item, costing what ImagineLab says it cost
    (`credit_cost`; 0 when it does not say), booked by the import."""
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
        request_body={"generation_type": generation_type, "model_name": model_name},
        cost=max(0, int(_field(item, "credit_cost", 0) or 0)),
        status=Status.SUBMITTED,
        message_id=provider_id,
        status_note="imported from ImagineLab's history",
        submitted_at=now,
        next_poll_at=now,
        deadline_at=now + DEADLINE,
    )
    generation.root_id = generation.pk
    return generation


def read(key: ProviderKey, result: ImportResult) -> list[Any]:
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
