"""Image tools and prompt utilities.

Async, charged, one image each (docs/provider-contract.md §3.12–3.13, https://platform.imaginepro.ai/ai-agent-skill):
POST flux/upscale (2 credits) and POST tools/remove-bg (5 credits).
Synchronous and free: POST tools/prompt-extend (§3.14) and POST nova/prompt-check (§3.9).
"""

from __future__ import annotations

import uuid

from ..models import SandboxAccount, SandboxJob
from ..prompts import find_banned_word, parse_prompt, seed_from_id
from ..render.compose import MAX_UPSCALE_PIXELS
from ..render.inputs import fetch_images
from ..render.texts import extend_prompt
from .diy.banlist import find_listed_word
from .params import ImageUrlRequest, UpscaleRequest
from .services import create_job, require_credits

UPSCALE_COST = 2  # https://platform.imaginepro.ai/ai-agent-skill "Flux Upscale"
REMOVE_BG_COST = 5  # https://platform.imaginepro.ai/ai-agent-skill "Background Removal"


def submit_upscale(
    account: SandboxAccount, req: UpscaleRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a Flux upscale: fetch the image now, charge 2, plan a LANCZOS resize to
    exactly scale× its size. FAILs (charged, like any accepted job) when the image cannot be
    fetched or the result would exceed MAX_UPSCALE_PIXELS (~16.8 Mpx)."""
    require_credits(account, UPSCALE_COST)
    fetched, problem = fetch_images([req.image_url])
    width = height = 0
    if fetched[0].size:
        width, height = (side * req.scale for side in fetched[0].size)
        if not problem and width * height > MAX_UPSCALE_PIXELS:
            problem = (
                f"Upscaled image would be {width}×{height} px "
                f"({width * height / 1e6:.1f} Mpx); the limit is "
                f"{MAX_UPSCALE_PIXELS / 1e6:.1f} Mpx."
            )
    return _single_image_job(
        account,
        req.base,
        kind=SandboxJob.Kind.UPSCALE,
        cost=UPSCALE_COST,
        problem=problem,
        fetched=fetched,
        size=(width, height),
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def submit_remove_bg(
    account: SandboxAccount, req: ImageUrlRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a background removal: fetch the image now, charge 5, plan a PNG of the same
    size whose background is transparent (compose.remove_background)."""
    require_credits(account, REMOVE_BG_COST)
    fetched, problem = fetch_images([req.url])
    return _single_image_job(
        account,
        req.base,
        kind=SandboxJob.Kind.REMOVE_BG,
        cost=REMOVE_BG_COST,
        problem=problem,
        fetched=fetched,
        size=fetched[0].size or (0, 0),
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def _single_image_job(
    account, base, *, kind, cost, problem, fetched, size, endpoint, base_url, body
) -> SandboxJob:
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=cost,
        pace="tool",
        planned_error=problem,
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": kind,
            "prompt": "",
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.SINGLE,
            "width": size[0],
            "height": size[1],
            "count": 1,
        },
        req_base=base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def prompt_extend(prompt: str) -> dict:
    """POST tools/prompt-extend → `{"prompt": "<longer prompt>"}` (texts.extend_prompt)."""
    return {"prompt": extend_prompt(prompt)}


def prompt_check(prompt: str, ban_words: list[str] | None = None) -> dict:
    """POST nova/prompt-check → `{"status": "SUCCESS"}`, or `{"status": "FAIL", "message"}`
    with the text an imagine of this prompt would FAIL with (banned word, bad parameter).
    `ban_words`: the account's DIY ban list (diy/banlist.py), checked first, as its submit would be."""
    word = find_listed_word(ban_words or [], prompt) or find_banned_word(prompt)
    if word:
        return {"status": "FAIL", "message": f'Banned prompt detected: "{word}"'}
    problem = parse_prompt(prompt).problem
    if problem:
        return {"status": "FAIL", "message": problem}
    return {"status": "SUCCESS"}
