"""Creating Nano Banana, Lumi Girl and Midjourney video generations (imaginepro.md §3.15–3.17).

Like services.py: each function saves a QUEUED row with the exact body to send and queues
its submit; the provider is never called here. Image inputs arrive as URLs the provider can
fetch (uploads and gallery picks were turned into signed public URLs by the caller).
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

# The skill page (S000) asks for this prefix on the text item of `contents`.
NANO_BANANA_PREFIX = "Image creation: "
NANO_BANANA_MODELS = [
    ("nano-banana-2", "Nano Banana 2 (default)"),
    ("nano-banana", "Nano Banana"),
    ("gemini-2.5-flash-image-preview", "Gemini 2.5 Flash Image (preview)"),
    ("gemini-3-pro-image-preview", "Gemini 3 Pro Image (preview)"),
]
NANO_BANANA_MAX_IMAGES = 8
VIDEO_DEFAULT_PROMPT = "smooth motion transition"
LUMI_STEPS = 4  # S000: "Always 4 (fixed)"


def nano_banana_contents(prompt: str, image_urls: list[str]) -> list[dict[str, str]]:
    """`contents` for POST /universal/imagine: the text first, with "Image creation: " in
    front unless the person typed it, then one `{"type": "image", "url"}` per image."""
    text = prompt.strip()
    if not text.lower().startswith(NANO_BANANA_PREFIX.strip().lower()):
        text = NANO_BANANA_PREFIX + text
    return [{"type": "text", "text": text}] + [{"type": "image", "url": u} for u in image_urls]


def nano_banana_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    prompt: str,
    image_urls: list[str],
    model: str,
    params: dict[str, Any],
    parent: Generation | None = None,
) -> Generation:
    """Nano Banana (POST /universal/imagine, S000; JS SDK): a prompt and 0–8 reference
    image URLs. 6 credits. `parent`: the generation of a picked gallery image, if any.
    Raises GenerationError for more than 8 images."""
    if len(image_urls) > NANO_BANANA_MAX_IMAGES:
        raise GenerationError(f"At most {NANO_BANANA_MAX_IMAGES} reference images.")
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.NANO_BANANA,
        endpoint="universal_imagine",
        parent=parent,
        prompt=prompt,
        request_body={"contents": nano_banana_contents(prompt, image_urls), "model": model},
        params=params,
        cost=costs.NANO_BANANA,
    )


def lumi_size(ratio: tuple[int, int], longest: int = 1024) -> tuple[int, int]:
    """Width and height for an aspect ratio W:H: the longest side `longest` px, the other
    rounded to a multiple of 8 (S000: "max dimension = 1024", "divisible by 8")."""
    w, h = ratio
    if w >= h:
        return longest, max(8, round(longest * h / w / 8) * 8)
    return max(8, round(longest * w / h / 8) * 8), longest


def lumi_girl_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    prompt: str,
    width: int,
    height: int,
    params: dict[str, Any],
) -> Generation:
    """Lumi Girl (POST /universal/zimage, S000): explicit width and height (≤ 1024,
    multiples of 8; the form checks), steps 4. 6 credits."""
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.LUMI_GIRL,
        endpoint="zimage",
        prompt=prompt,
        request_body={"prompt": prompt, "steps": LUMI_STEPS, "width": width, "height": height},
        params=params,
        cost=costs.LUMI_GIRL,
    )


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
    """Midjourney video (POST /video/mj/generate, S000 §3.17): from a start frame to an end
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
