"""The "universal" models: Nano Banana (POST universal/imagine, alias gemini/imagine) and
Lumi Girl (POST universal/zimage). docs/provider-contract.md §3.15–3.16, https://platform.imaginepro.ai/ai-agent-skill: 6 credits each,
one image, no buttons.
"""

from __future__ import annotations

import uuid
from fractions import Fraction

from ..models import SandboxAccount, SandboxJob
from ..prompts import seed_from_id, tile_size
from ..render.inputs import fetch_images
from .params import UniversalRequest, ZImageRequest
from .services import create_job, planned_error, require_credits

UNIVERSAL_COST = 6  # https://platform.imaginepro.ai/ai-agent-skill "Nano Banana"
ZIMAGE_COST = 6  # https://platform.imaginepro.ai/ai-agent-skill "Lumi Girl"
UNIVERSAL_SIDE = 1024  # px, longest side of a Nano Banana image


def _snap8(value: float) -> int:
    return max(8, int(round(value / 8)) * 8)


def submit_universal(
    account: SandboxAccount, req: UniversalRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a Nano Banana job: fetch the reference images now (one that fails FAILs the
    job), charge 6, plan one image shaped like the first reference (longest side 1024,
    multiples of 8), 1024×1024 without references. `prompt` = the text items joined."""
    require_credits(account, UNIVERSAL_COST)
    fetched, fetch_error = fetch_images(req.image_urls)
    first = next((item.size for item in fetched if item.size), None)
    if first is None:
        width = height = UNIVERSAL_SIDE
    else:
        width, height = (_snap8(side) for side in tile_size(Fraction(*first), UNIVERSAL_SIDE))
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=UNIVERSAL_COST,
        pace="universal",
        planned_error=planned_error(req.prompt, fetch_error),
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.UNIVERSAL,
            "prompt": req.prompt,
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.SINGLE,
            "width": width,
            "height": height,
            "count": 1,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def submit_zimage(
    account: SandboxAccount, req: ZImageRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a Lumi Girl job: charge 6, plan one portrait of exactly width×height."""
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=ZIMAGE_COST,
        pace="universal",
        planned_error=planned_error(req.prompt),
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.ZIMAGE,
            "prompt": req.prompt,
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.SINGLE,
            "width": req.width,
            "height": req.height,
            "count": 1,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )
