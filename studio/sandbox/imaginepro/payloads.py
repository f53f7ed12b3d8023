"""JSON bodies the sandbox answers with: submit response, Message, account info."""

from __future__ import annotations

from datetime import UTC, datetime

from ..models import SandboxAccount, SandboxJob
from ..render.files import cdn_url, file_names, image_names
from .buttons import available_buttons
from .lifecycle import DONE, QUEUED, job_state

# Two families of paths document two ways of writing the same answers:
# - DOCS, the docs' pages (https://docs.imaginepro.ai/api-215981214): `/nova/*`,
#   `/message/fetch/{id}`, the other models and tools; statuses QUEUED → PROCESSING →
#   DONE | FAIL, times like `2023-08-01T14:03:01.817Z`;
# - SKILL, the agent-skill page (https://platform.imaginepro.ai/ai-agent-skill): the v1
#   `/midjourney/*` paths and `/midjourney/message/{id}`; statuses SUBMITTED → PROCESSING →
#   DONE | FAIL, times like `2026-01-15T12:00:00+00:00`.
DOCS = "docs"
SKILL = "skill"
SKILL_QUEUED = "SUBMITTED"


def dialect_of(endpoint: str) -> str:
    """SKILL for the v1 Midjourney paths (`midjourney/...`), DOCS for every other path."""
    return SKILL if endpoint.startswith("midjourney/") else DOCS


def iso(moment: datetime, dialect: str = DOCS) -> str:
    """ISO 8601 in UTC as `dialect`'s page writes it: DOCS `…T14:03:01.817Z`, SKILL
    `…T12:00:00+00:00` (whole seconds)."""
    moment = moment.astimezone(UTC)
    if dialect == SKILL:
        return moment.isoformat(timespec="seconds")
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def submit_response(job: SandboxJob, dialect: str = DOCS) -> dict:
    """§1.2: `{"success": true, "messageId": "<uuid4>", "createdAt": <iso>}`."""
    return {"success": True, "messageId": str(job.id), "createdAt": iso(job.created_at, dialect)}


# Kinds that run on Midjourney (Discord): their results also have an `originalUrl`.
MIDJOURNEY_KINDS = (
    SandboxJob.Kind.IMAGINE,
    SandboxJob.Kind.BUTTON,
    SandboxJob.Kind.BLEND,
    SandboxJob.Kind.DESCRIBE,
    SandboxJob.Kind.FACESWAP,
)


def message_payload(job: SandboxJob, *, base_url: str, now: datetime, dialect: str = DOCS) -> dict:
    """The Message object (docs/provider-contract.md §1.3, https://docs.imaginepro.ai/api-215981214) of `job` at `now`.

        Every key is always present (null / [] when not applicable) except
        `originatingMessageId`, which only button results and video extensions carry, and
        `videoUrl` + `results`, which only videos carry (JS SDK VideoMessageResponse): when DONE
        `videoUrl` = `uri` = the MP4, `results` = `[{"url": <the MP4>, "index": 0}]`, `images`
        = []. A describe's four prompts are its `prompt`, shown once DONE ("" before). File URLs
        are absolute, under `base_url` (the sandbox root, ending in "/"). A bot command's `prompt`
    is the command ("/info") until DONE, then the bot's answer (diy/commands.py). In the
    SKILL dialect a queued job reads SUBMITTED and times are whole seconds.
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
        "status": SKILL_QUEUED if dialect == SKILL and state.status == QUEUED else state.status,
        "progress": state.progress,
        "uri": None,
        "originalUrl": None,
        "images": [],
        "buttons": available_buttons(job, state.status),
        "ref": job.ref,
        "error": state.error or None,
        "createdAt": iso(job.created_at, dialect),
        "updatedAt": iso(state.updated_at, dialect),
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
