"""Creating Lumi Girl generations (POST /universal/zimage): a prompt and an exact size.

Like the other creators of this package: the function saves a QUEUED row with the exact body
to send and queues its submit; the provider is never called here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from studio.accounts.models import ProviderKey
from studio.generation import costs
from studio.generation.models import Generation, Model
from studio.generation.services import generation_create

LUMI_STEPS = 4  # https://platform.imaginepro.ai/ai-agent-skill: "Always 4 (fixed)"


def lumi_size(ratio: tuple[int, int], longest: int = 1024) -> tuple[int, int]:
    """Width and height for an aspect ratio W:H: the longest side `longest` px, the other
    rounded to a multiple of 8 (https://platform.imaginepro.ai/ai-agent-skill: "max dimension = 1024", "divisible by 8")."""
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
    """Lumi Girl (POST /universal/zimage, https://platform.imaginepro.ai/ai-agent-skill): explicit width and height (≤ 1024,
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
