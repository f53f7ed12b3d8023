"""Midjourney video (docs/provider-contract.md §3.17, https://platform.imaginepro.ai/ai-agent-skill, JS SDK): generate from a start and an
end frame, and extend a finished video. Submitting is here; the MP4s both produce (longest
side VIDEO_SIDE, even sides) are drawn by imaginepro/outputs.py from render/video.py's frames.

The Message of a video carries `videoUrl` and `results: [{"url", "index": 0}]` and `uri`
= the same MP4 URL (payloads.py); `images` is empty and there are no buttons.
"""

from __future__ import annotations

import uuid

from .. import clock
from ..models import SandboxAccount, SandboxJob
from ..prompts import seed_from_id
from ..render.inputs import fetch_images
from ..render.video import EXTEND_ACTION
from .lifecycle import DONE, job_state
from .params import VideoExtendRequest, VideoRequest
from .services import create_job, find_message, planned_error, require_credits
from .validation import bad_request

VIDEO_COST = 10  # https://platform.imaginepro.ai/ai-agent-skill "MJ Video"
# GUESS: the price of an extension is undocumented (§5); charged like a new video.
VIDEO_EXTEND_COST = 10
VIDEO_SIDE = 480  # px, longest side of a sandbox video
RESULT_INDEXES = (0,)  # every sandbox video has one result, index 0


def video_size(width: int, height: int, side: int = VIDEO_SIDE) -> tuple[int, int]:
    """(w, h) with the aspect of width×height, longest side `side`, both even (yuv420p)."""
    scale = side / max(width, height)
    return (
        max(2, int(round(width * scale / 2)) * 2),
        max(2, int(round(height * scale / 2)) * 2),
    )


def submit_video(
    account: SandboxAccount, req: VideoRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept POST video/mj/generate: fetch both frames now (a failed fetch FAILs the job),
    charge VIDEO_COST, plan a video shaped like the start frame."""
    require_credits(account, VIDEO_COST)
    fetched, fetch_error = fetch_images([req.start_url, req.end_url])
    start = fetched[0].size
    width, height = video_size(*start) if start else (VIDEO_SIDE, VIDEO_SIDE)
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=VIDEO_COST,
        pace="video",
        planned_error=planned_error(req.prompt, fetch_error),
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.VIDEO,
            "prompt": req.prompt,
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.VIDEO,
            "width": width,
            "height": height,
            "count": 1,
            "output_format": "mp4",
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def submit_video_extend(
    account: SandboxAccount, req: VideoExtendRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept POST video/mj/extend. 404 if `messageId` is not the account's (24 h); 400 if
    it is not a video, not DONE, or has no result `index`. Charges VIDEO_EXTEND_COST."""
    parent = find_message(account, req.message_id)
    if parent.kind != SandboxJob.Kind.VIDEO:
        raise bad_request("Message is not a video.")
    status = job_state(parent, clock.now()).status
    if status != DONE:
        raise bad_request(f"Video is not finished (status {status}); it cannot be extended yet.")
    if req.index not in RESULT_INDEXES:
        indexes = ", ".join(str(i) for i in RESULT_INDEXES)
        raise bad_request(f"index must be one of the video's results: {indexes}.")
    prompt = req.prompt or parent.prompt
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=VIDEO_EXTEND_COST,
        pace="video",
        planned_error=planned_error(prompt),
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.VIDEO,
            "action": EXTEND_ACTION,
            "parent": parent,
            "prompt": prompt,
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.VIDEO,
            "width": parent.width,
            "height": parent.height,
            "count": 1,
            "output_format": "mp4",
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )
