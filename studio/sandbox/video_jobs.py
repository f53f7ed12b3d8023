"""Midjourney video (imaginepro.md §3.17, seed S000, JS SDK): generate from a start and an
end frame, extend a finished video, and the MP4s both produce.

A generated video holds the start frame, cross-fades to the end frame with a gentle push-in
(Ken Burns) and holds the end frame: ~2.5 s at 24 fps, longest side VIDEO_SIDE, even sides.
An extension starts on the parent's last frame and keeps pushing in while the prompt's
scene fades in: ~2 s. Encoding and frame reading are studio.media.video's.

The Message of a video carries `videoUrl` and `results: [{"url", "index": 0}]` and `uri`
= the same MP4 URL (payloads.py); `images` is empty and there are no buttons.
"""

from __future__ import annotations

import math
import uuid

from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from studio.media.video import encode_mp4, last_frame

from . import compose, drawing
from .bodies import VideoExtendRequest, VideoRequest
from .files import ensure_files, file_names, storage_name
from .inputs import fetch_images, load_inputs
from .lifecycle import DONE, job_state
from .models import SandboxAccount, SandboxJob
from .prompts import seed_from_id
from .services import create_job, find_message, planned_error, require_credits
from .validation import bad_request

VIDEO_COST = 10  # S000 "MJ Video"
# GUESS: the price of an extension is undocumented (§5); charged like a new video.
VIDEO_EXTEND_COST = 10
VIDEO_SIDE = 480  # px, longest side of a sandbox video
FPS = 24
HOLD_FRAMES = 6  # start and end frames are held this long (¼ s) so they read clearly
FADE_FRAMES = 48  # 2 s of cross-fade
EXTEND_FRAMES = 48
EXTEND_ACTION = "extend"
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
    status = job_state(parent, timezone.now()).status
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


def render_video(job: SandboxJob) -> bytes:
    """The MP4 bytes of a DONE video job (generate: from its two stored frames; extend:
    from its parent's stored MP4)."""
    size = (job.width, job.height)
    if job.action == EXTEND_ACTION and job.parent is not None:
        ensure_files(job.parent)
        name = storage_name(job.parent, file_names(job.parent)[0])
        with default_storage.open(name) as handle:
            start = last_frame(handle.read()).convert("RGB")
        scene = drawing.draw_picture(job.prompt, job.seed, size, shift=1)
        return encode_mp4(extension_frames(start, scene, size), fps=FPS)
    if job.action == EXTEND_ACTION:  # the parent is gone: extend a drawing of the prompt
        start = drawing.draw_picture(job.prompt, job.seed, size)
        scene = drawing.draw_picture(job.prompt, job.seed, size, shift=1)
        return encode_mp4(extension_frames(start, scene, size), fps=FPS)
    first, last = load_inputs(job)
    return encode_mp4(transition_frames(first, last, size), fps=FPS)


def _push_in(image: Image.Image, zoom: float) -> Image.Image:
    """The centre 1/zoom of `image`, scaled back to its size (zoom ≥ 1)."""
    if zoom <= 1.0001:
        return image
    width, height = image.size
    crop_w, crop_h = width / zoom, height / zoom
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return image.resize(
        image.size, Image.Resampling.BILINEAR, box=(left, top, left + crop_w, top + crop_h)
    )


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * t)


def transition_frames(
    start: Image.Image, end: Image.Image, size: tuple[int, int]
) -> list[Image.Image]:
    """Start held, a cross-fade with a push-in that peaks mid-way, end held. The first frame
    is exactly the start frame (covered to `size`), the last exactly the end frame."""
    first, last = compose.cover(start, size), compose.cover(end, size)
    frames = [first] * HOLD_FRAMES
    for step in range(1, FADE_FRAMES + 1):
        t = step / (FADE_FRAMES + 1)
        zoom = 1 + 0.08 * math.sin(math.pi * t)
        frames.append(Image.blend(_push_in(first, zoom), _push_in(last, zoom), _ease(t)))
    return frames + [last] * HOLD_FRAMES


def extension_frames(
    start: Image.Image, scene: Image.Image, size: tuple[int, int]
) -> list[Image.Image]:
    """From `start` (the parent's last frame, exactly, as frame 0) a steady push-in while
    `scene` fades in to 60 %."""
    start = compose.cover(start, size)
    scene = compose.cover(scene, size)
    frames = []
    for step in range(EXTEND_FRAMES):
        t = step / (EXTEND_FRAMES - 1)
        zoom = 1 + 0.2 * t
        frames.append(Image.blend(_push_in(start, zoom), _push_in(scene, zoom), 0.6 * _ease(t)))
    return frames
