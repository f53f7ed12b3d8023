"""JSON bodies the sandbox answers with: submit response, Message, account info."""

from __future__ import annotations

from datetime import UTC, datetime

from ..models import SandboxAccount, SandboxJob
from ..render.files import cdn_url, file_names, image_names
from .buttons import available_buttons
from .lifecycle import DONE, job_state


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `+00:00` offset, like the ImaginePro docs' examples (plus milliseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def submit_response(job: SandboxJob) -> dict:
    """§1.2: `{"success": true, "messageId": "<uuid4>", "createdAt": "…+00:00"}`."""
    return {"success": True, "messageId": str(job.id), "createdAt": iso(job.created_at)}


# Kinds that run on Midjourney (Discord): their results also have an `originalUrl`.
MIDJOURNEY_KINDS = (
    SandboxJob.Kind.IMAGINE,
    SandboxJob.Kind.BUTTON,
    SandboxJob.Kind.BLEND,
    SandboxJob.Kind.DESCRIBE,
    SandboxJob.Kind.FACESWAP,
)


def message_payload(job: SandboxJob, *, base_url: str, now: datetime) -> dict:
    """The Message object (docs/provider-contract.md §1.3, https://docs.imaginepro.ai/api-215981214) of `job` at `now`.

        Every key is always present (null / [] when not applicable) except
        `originatingMessageId`, which only button results and video extensions carry, and
        `videoUrl` + `results`, which only videos carry (JS SDK VideoMessageResponse): when DONE
        `videoUrl` = `uri` = the MP4, `results` = `[{"url": <the MP4>, "index": 0}]`, `images`
        = []. A describe's four prompts are its `prompt`, shown once DONE ("" before). File URLs
        are absolute, under `base_url` (the sandbox root, ending in "/"). A bot command's `prompt`
    is the command ("/info") until DONE, then the bot's answer (diy/commands.py).
    """
    state = job_state(job, now)
    is_video = job.kind == SandboxJob.Kind.VIDEO
    prompt = job.prompt
    if job.kind == SandboxJob.Kind.DESCRIBE and state.status != DONE:
        prompt = ""
    if job.kind == SandboxJob.Kind.COMMAND and state.status == DONE:
        prompt = job.answer  # the bot's answer replaces "/info" once it arrives
    payload = {
        "messageId": str(job.id),
        "prompt": prompt,
        "status": state.status,
        "progress": state.progress,
        "uri": None,
        "originalUrl": None,
        "images": [],
        "buttons": available_buttons(job, state.status),
        "ref": job.ref,
        "error": state.error or None,
        "createdAt": iso(job.created_at),
        "updatedAt": iso(state.updated_at),
    }
    if job.parent_id:
        payload["originatingMessageId"] = str(job.parent_id)
    if is_video:
        payload["videoUrl"] = None
        payload["results"] = []
    names = file_names(job)
    if state.status == DONE and names:
        uri = cdn_url(job, names[0], base_url=base_url)
        payload["uri"] = uri
        payload["images"] = [cdn_url(job, name, base_url=base_url) for name in image_names(job)]
        # originalUrl is the Discord copy of a Midjourney result; other models have none.
        if job.kind in MIDJOURNEY_KINDS:
            payload["originalUrl"] = uri
        if is_video:
            payload["videoUrl"] = uri
            payload["results"] = [{"url": uri, "index": 0}]
    return payload


def account_info(account: SandboxAccount) -> dict:
    """§3.10 GET /subscription/account-info, with plan type "SANDBOX"."""
    return {
        "type": "SANDBOX",
        "creditsQuota": account.credits_quota,
        "credits": account.credits,
        "creditsExtra": 0,
        "expiredAt": iso(account.expires_at),
        "email": account.email,
    }
