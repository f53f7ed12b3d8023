"""Creating Nano Banana generations (POST /universal/imagine): a prompt and reference images.

Like the other creators of this package: the function saves a QUEUED row with the exact body
to send and queues its submit; the provider is never called here. Image inputs arrive as URLs
the provider can fetch (uploads and gallery picks were turned into signed public URLs by the
caller).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from studio.accounts.models import ProviderKey
from studio.generation import costs
from studio.generation.errors import GenerationError
from studio.generation.models import Generation, Model
from studio.generation.services import generation_create

# The skill page (https://platform.imaginepro.ai/ai-agent-skill) asks for this prefix on the text item of `contents`.
NANO_BANANA_PREFIX = "Image creation: "
NANO_BANANA_MODELS = [
    ("nano-banana-2", "Nano Banana 2 (default)"),
    ("nano-banana", "Nano Banana"),
    ("gemini-2.5-flash-image-preview", "Gemini 2.5 Flash Image (preview)"),
    ("gemini-3-pro-image-preview", "Gemini 3 Pro Image (preview)"),
]
NANO_BANANA_MAX_IMAGES = 8


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
    """Nano Banana (POST /universal/imagine, https://platform.imaginepro.ai/ai-agent-skill; JS SDK): a prompt and 0–8 reference
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
