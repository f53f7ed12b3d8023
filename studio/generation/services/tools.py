"""Image tools on any image URL (docs/provider-contract.md §3.5–3.7, §3.12–3.13): Flux upscale, remove
background, describe, face swap, blend.

Each saves a QUEUED generation and queues its submit. `parent` is the generation whose
stored image was used, when there is one, so the lineage shows where a result came from.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from studio.accounts.models import ProviderKey
from studio.generation import costs
from studio.generation.errors import GenerationError
from studio.generation.models import Action, Generation, Model
from studio.generation.services import generation_create, midjourney_create

BLEND_MIN, BLEND_MAX = 2, 5  # §3.7: "up to 5"; Midjourney needs two to blend


def flux_upscale_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    image_url: str,
    scale: int,
    parent: Generation | None = None,
) -> Generation:
    """Flux upscale ×2–×4 of any image URL (POST /flux/upscale, https://platform.imaginepro.ai/ai-agent-skill): 2 credits.
    Raises GenerationError for another scale."""
    if scale not in (2, 3, 4):
        raise GenerationError("The scale is 2, 3 or 4.")
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.FLUX,
        endpoint="flux_upscale",
        action=Action.UPSCALE,
        parent=parent,
        prompt=parent.prompt if parent else "",
        request_body={"image": image_url, "scale": scale},
        params={"scale": scale},
        cost=costs.FLUX_UPSCALE,
    )


def remove_bg_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    image_url: str,
    parent: Generation | None = None,
) -> Generation:
    """Remove the background (POST /tools/remove-bg, https://platform.imaginepro.ai/ai-agent-skill): a PNG with transparency.
    5 credits."""
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.TOOLS,
        endpoint="remove_bg",
        action=Action.REMOVE_BG,
        parent=parent,
        prompt=parent.prompt if parent else "",
        request_body={"image": image_url},
        params={},
        cost=costs.REMOVE_BG,
    )


def describe_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    image_url: str,
    parent: Generation | None = None,
) -> Generation:
    """Describe an image (POST /nova/describe, D:215987078): four prompts come back as text
    (stored in `text_outputs`). Price not published: we count 5."""
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.MIDJOURNEY,
        endpoint="describe",
        action=Action.DESCRIBE,
        parent=parent,
        prompt="",
        request_body={"url": image_url},
        params={},
        cost=costs.ESTIMATE_DESCRIBE,
    )


def faceswap_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    source_url: str,
    target_url: str,
    parent: Generation | None = None,
) -> Generation:
    """Put the face from `source_url` into the picture `target_url` (POST /nova/faceswap,
    D:215989116; field names §3.6). Price not published: we count 5."""
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.TOOLS,
        endpoint="faceswap",
        action=Action.FACESWAP,
        parent=parent,
        prompt="",
        request_body={"source": source_url, "target": target_url},
        params={},
        cost=costs.ESTIMATE_FACESWAP,
    )


def blend_create(
    *, user: AbstractBaseUser, provider_key: ProviderKey, image_urls: list[str]
) -> Generation:
    """Blend 2–5 images into a Midjourney grid (POST /nova/blend; §3.7). The grid has the
    usual U/V buttons. Price not published: we count 10, like an imagine.
    Raises GenerationError for fewer than 2 or more than 5 images."""
    if not BLEND_MIN <= len(image_urls) <= BLEND_MAX:
        raise GenerationError(f"Blend takes {BLEND_MIN} to {BLEND_MAX} images.")
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.MIDJOURNEY,
        endpoint="blend",
        action=Action.BLEND,
        prompt="",
        request_body={"urls": list(image_urls)},
        params={},
        cost=costs.ESTIMATE_BLEND,
    )


IMAGE_TO_IMAGE = "image-to-image"  # params["tool"]: retried from the tool's form


def image_to_image_prompt(text: str, *, relax: bool, image_url: str = "") -> str:
    """The Midjourney prompt of an image-to-image: the image's direct link first, then the
    text (D:215988676), `--relax` at the end for relax speed. Without `image_url`, the
    text part alone (the prompt people see, and what the prompt check is asked about)."""
    prompt = f"{image_url} {text.strip()}".strip()
    return f"{prompt} --relax" if relax else prompt


def image_to_image_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    image_url: str,
    text: str,
    relax: bool,
    parent: Generation | None = None,
) -> Generation:
    """Midjourney imagine starting from a picture (POST /nova/imagine with the image URL
    first in the prompt, D:215988676). 10 credits, 5 with relax. The generation's own
    prompt is the typed text (with `--relax`): the image's signed link is only sent. The
    submit task asks the provider's prompt check about that text first (check_prompt)."""
    return midjourney_create(
        user=user,
        provider_key=provider_key,
        prompt=image_to_image_prompt(text, relax=relax, image_url=image_url),
        shown_prompt=image_to_image_prompt(text, relax=relax),
        params={"tool": IMAGE_TO_IMAGE, "prompt": text, "speed": "relax" if relax else "fast"},
        parent=parent,
        check_prompt=True,
    )
