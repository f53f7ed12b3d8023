"""Creating Midjourney video generations (POST /video/mj/generate) and extending them.

Like the other creators of this package: each function saves a QUEUED row with the exact body
to send and queues its submit; the provider is never called here. Frames arrive as URLs the
provider can fetch (uploads and gallery picks were turned into signed public URLs by the
caller).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from studio.accounts.models import ProviderKey
from studio.generation import costs
from studio.generation.errors import GenerationError
from studio.generation.models import Action, Generation, Model, Status
from studio.generation.services import generation_create
from studio.teams import access

VIDEO_DEFAULT_PROMPT = "smooth motion transition"


def video_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    prompt: str,
    start_frame_url: str,
    end_frame_url: str,
    timeout: int,
    params: dict[str, Any],
    parent: Generation | None = None,
) -> Generation:
    """Midjourney video (POST /video/mj/generate, https://platform.imaginepro.ai/ai-agent-skill; docs/provider-contract.md §3.17): from a start frame to an end
    frame, both URLs. 10 credits; up to ~15 min, so `timeout` (10–900 s) is sent as chosen.
    `parent`: the generation whose image is the start frame ("animate"), for the lineage."""
    prompt = prompt.strip() or VIDEO_DEFAULT_PROMPT
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.VIDEO,
        endpoint="video_generate",
        action=Action.VIDEO,
        parent=parent,
        prompt=prompt,
        request_body={
            "prompt": prompt,
            "startFrameUrl": start_frame_url,
            "endFrameUrl": end_frame_url,
        },
        params=params,
        cost=costs.MJ_VIDEO,
        timeout=timeout,
    )


def video_extend(*, user: AbstractBaseUser, parent: Generation, index: int = 1) -> Generation:
    """Extend video `index` (1-based, as stored) of a finished video (POST /video/mj/extend;
    the body's `index` is the provider's 0-based one). Cost not published: we count 10.

    Raises GenerationError when the parent is not the person's finished video, the index
    does not exist, or its key was deleted (a messageId belongs to one account).
    """
    if not access.allowed(user, parent, access.CREATE):
        raise GenerationError("That video is not yours.")
    if parent.model != Model.VIDEO or parent.status != Status.DONE:
        raise GenerationError("Only a finished video can be extended.")
    if index not in {asset.index for asset in parent.videos}:
        raise GenerationError(f"This generation has no video {index}.")
    if parent.provider_key is None:
        raise GenerationError("The API key that made this video was deleted.")
    return generation_create(
        user=user,
        provider_key=parent.provider_key,
        model=Model.VIDEO,
        endpoint="video_extend",
        action=Action.EXTEND,
        parent=parent,
        prompt=parent.prompt,
        request_body={"messageId": parent.message_id, "index": index - 1},
        params={"index": index},
        cost=costs.ESTIMATE_VIDEO_EXTEND,
        timeout=parent.timeout,
    )
