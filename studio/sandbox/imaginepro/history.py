"""GET nova/images: the account's finished images of the last 24 hours (docs/provider-contract.md §3.8,
https://docs.imaginepro.ai/api-215995453)."""

from __future__ import annotations

from .. import clock
from ..models import SandboxAccount, SandboxJob
from ..render.files import cdn_url, file_names
from .payloads import iso
from .services import HISTORY

# The History page calls `prompt` and `button` required; a tool job has no typed prompt
# and no pressed button, so its item is named by what it did, its `button` by its type.
TOOL_NAMES = {
    SandboxJob.Kind.UPSCALE: "Upscale",
    SandboxJob.Kind.REMOVE_BG: "Remove background",
    SandboxJob.Kind.DESCRIBE: "Describe",
    SandboxJob.Kind.FACESWAP: "Face swap",
    SandboxJob.Kind.BLEND: "Blend",
}


def _item(job: SandboxJob, base_url: str) -> dict:
    tool = TOOL_NAMES.get(job.kind)
    button = job.kind if tool else ""
    if job.kind == SandboxJob.Kind.BUTTON:
        button = job.action
    return {
        "id": str(job.id),
        "type": job.kind,
        "button": button,
        "prompt": job.prompt or tool or "",
        "uri": cdn_url(job, file_names(job)[0], base_url=base_url),
        "createdAt": iso(job.created_at),
    }


def history_page(account: SandboxAccount, *, page: int, size: int, base_url: str) -> dict:
    """`{"images": [{"id", "type", "button", "prompt", "uri", "createdAt"}]}`, newest first.

    Lists the account's jobs created in the last 24 h that are DONE now and have a file
    (a Cancel Job answer has none). `id` is the messageId, `type` the job's kind ("imagine",
    "button", "flux", "universal", "zimage", "video", "upscale", "remove-bg", "describe",
    "faceswap", "blend"), `button` the pressed value for button jobs else "", `uri` the
    first file (the grid, the image, the MP4). A tool job's `prompt` is its typed prompt or
    what it did ("Remove background"), its `button` its type (TOOL_NAMES). Page `page` (1-based) of `size` items; no
    totals, as documented: a short page is the last.
    """
    now = clock.now()
    jobs = (
        SandboxJob.objects.filter(
            account=account,
            created_at__gte=now - HISTORY,
            outcome=SandboxJob.Outcome.DONE,
            ends_at__lte=now,
        )
        .exclude(shape=SandboxJob.Shape.NONE)
        .order_by("-created_at", "-pk")
    )
    start = (page - 1) * size
    return {"images": [_item(job, base_url) for job in jobs[start : start + size]]}
