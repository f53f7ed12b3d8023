"""The ImaginePro reader of a history import (studio.generation.imports): the key's last 24
hours (GET /nova/images, see docs/provider-contract.md), one generation per messageId. Items
already known (the same messageId for the same person) are skipped.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation.imports import DEADLINE, ImportResult
from studio.generation.models import Action, Generation, Model, Status
from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient

# the documented default of `size` (https://docs.imaginepro.ai/api-215995453); larger pages are not promised
PAGE_SIZE = 10
MAX_PAGES = 30  # hard cap: 300 items, whatever the provider answers
TIME_BUDGET = 100.0  # seconds of reading; the task's timeout is 150 s (enqueue.enqueue_import)
HISTORY_TIMEOUT = (3.0, 10.0)  # (connect, read) seconds per page
NAME = "ImaginePro"

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


def provider_id(item: dict[str, Any]) -> str:
    """The item's messageId ("" when it has none)."""
    return str(item.get("id") or item.get("messageId") or "").strip()


def known(key: ProviderKey) -> QuerySet:
    """A messageId belongs to one account: known when the person already has it."""
    return Generation.objects.filter(user_id=key.user_id)


def build(key: ProviderKey, item: dict[str, Any], message_id: str) -> Generation:
    """The SUBMITTED generation of one history item (cost 0: paid when it was made)."""
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


def read(key: ProviderKey, result: ImportResult) -> list[dict[str, Any]]:
    """Every page until one is shorter than PAGE_SIZE, at most MAX_PAGES. A failure keeps
    the pages already read and records the error."""
    client = ImagineProClient(base_url=key.base_url, api_key=key.api_key, timeout=HISTORY_TIMEOUT)
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
