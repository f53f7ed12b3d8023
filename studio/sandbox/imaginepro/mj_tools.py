"""Midjourney's image-input commands: describe (docs/provider-contract.md §3.5), face swap (§3.6), blend (§3.7).
Served on both families, nova/* and midjourney/*. Their prices are not documented (§5).
"""

from __future__ import annotations

import uuid

from ..models import SandboxAccount, SandboxJob
from ..prompts import seed_from_id, tile_size
from ..render.inputs import fetch_images
from ..render.texts import describe_image
from .params import BlendRequest, FaceSwapRequest, ImageUrlRequest
from .services import create_job, planned_error, require_credits

# GUESS: undocumented prices (§5). Describe and face swap like a button press, blend like
# an imagine (it makes a grid).
DESCRIBE_COST = 5
FACESWAP_COST = 5
BLEND_COST = 10
FACESWAP_MAX_SIDE = 2048  # px: a larger target is shrunk to this before the swap


def submit_describe(
    account: SandboxAccount, req: ImageUrlRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a describe: fetch the image now and write its four prompts (texts.py) into
    the job's `prompt`, shown once DONE; `uri` re-serves the image as PNG."""
    require_credits(account, DESCRIBE_COST)
    fetched, problem = fetch_images([req.url])
    image = fetched[0].image() if fetched[0].size else None
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=DESCRIBE_COST,
        pace="tool",
        planned_error=problem,
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.DESCRIBE,
            "prompt": describe_image(image) if image is not None else "",
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.SINGLE,
            "width": image.width if image is not None else 0,
            "height": image.height if image is not None else 0,
            "count": 1,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def submit_faceswap(
    account: SandboxAccount, req: FaceSwapRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a face swap: fetch `source` (face donor) and `target` now; one image of the
    target's size, shrunk to FACESWAP_MAX_SIDE if larger (compose.face_swap)."""
    require_credits(account, FACESWAP_COST)
    fetched, problem = fetch_images([req.source, req.target])
    width, height = 0, 0
    if fetched[1].size:
        target_w, target_h = fetched[1].size
        shrink = min(1.0, FACESWAP_MAX_SIDE / max(target_w, target_h))
        width = max(1, round(target_w * shrink))
        height = max(1, round(target_h * shrink))
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=FACESWAP_COST,
        pace="tool",
        planned_error=problem,
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.FACESWAP,
            "prompt": "",
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


def submit_blend(
    account: SandboxAccount, req: BlendRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a blend: fetch the 2–5 images now; a square 2×2 grid of blends of them with
    the grid buttons (U1–U4, 🔄, V1–V4). `prompt` = the URLs, as Midjourney shows a blend."""
    require_credits(account, BLEND_COST)
    fetched, problem = fetch_images(req.urls)
    prompt = " ".join(req.urls)
    width, height = tile_size(1)
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=BLEND_COST,
        pace="grid",
        planned_error=planned_error(prompt, problem),
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.BLEND,
            "prompt": prompt,
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.GRID,
            "width": width,
            "height": height,
            "count": 4,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )
