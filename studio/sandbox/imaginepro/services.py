"""Sandbox business logic: accounts and keys, credits, finding jobs, and submitting the
Midjourney imagine/button (incl. image prompts, boost, Cancel Job) and Flux jobs.

`create_job` (charge + store + inputs + webhook + drawing) is shared by the other submitting
modules: universal.py, tools.py, mj_tools.py, video.py.

The contract is ImaginePro's (see docs/provider-contract.md): costs from §5 (https://platform.imaginepro.ai/ai-agent-skill),
401 for a bad key *or* insufficient credits (§1.5), 404 for a message that is unknown,
another account's, or older than the 24-hour history (§3.8).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .. import clock, faults
from ..keys import KEY_PREFIX, hash_key
from ..models import SandboxAccount, SandboxJob
from ..prompts import find_banned_word, leading_image_urls, parse_prompt, seed_from_id, tile_size
from ..render.files import decode_mask
from ..render.inputs import Fetched, fetch_images, store_inputs
from . import buttons as btn
from . import refunds
from .diy.queue import place_job
from .lifecycle import DONE, job_state, plan_timeline
from .params import ButtonRequest, FluxRequest, ImagineRequest
from .predraw import schedule_drawing
from .validation import ApiError, BaseParams, bad_request
from .webhooks import schedule_delivery

# Credits per task (https://platform.imaginepro.ai/ai-agent-skill, docs/provider-contract.md §5).
IMAGINE_COST = 10
IMAGINE_RELAX_COST = 5
# Turbo's price is not documented; the sandbox charges the fast price.
IMAGINE_TURBO_COST = 10
FLUX_COST_PER_IMAGE = 6

MAX_IMAGE_PROMPTS = 5  # image URLs at the start of an imagine prompt (sandbox limit)

HISTORY = timedelta(hours=24)  # messages older than this are "not found" (§3.8)


def sandbox_account_create(*, label: str, credits: int | None = None) -> str:
    """Create a sandbox account with `credits` (default settings.SANDBOX_STARTING_CREDITS)
    and return its new API key, "sk-sandbox-<32 hex>". Only the key's sha256 is stored."""
    if credits is None:
        credits = settings.SANDBOX_STARTING_CREDITS
    api_key = KEY_PREFIX + secrets.token_hex(16)
    now = clock.now()
    SandboxAccount.objects.create(
        label=label[:200],
        key_hash=hash_key(api_key),
        key_last4=api_key[-4:],
        email=f"sandbox-{api_key[-8:]}@sandbox.invalid",
        credits=credits,
        credits_quota=credits,
        created_at=now,
        expires_at=now + timedelta(days=365),
    )
    return api_key


def sandbox_account_credits(*, api_key: str) -> int | None:
    """Remaining credits of the account with this key (failed jobs refunded, refunds.py),
    None if the key is unknown."""
    account = SandboxAccount.objects.filter(key_hash=hash_key(api_key)).first()
    if account is None:
        return None
    refunds.settle(account.pk)
    account.refresh_from_db(fields=["credits"])
    return account.credits


def authenticate(authorization: str | None) -> SandboxAccount:
    """The account named by an `Authorization: Bearer <key>` header, else 401 (§1)."""
    scheme, _, key = (authorization or "").strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "Unauthorized")
    account = SandboxAccount.objects.filter(key_hash=hash_key(key)).first()
    if account is None:
        raise ApiError(401, "Unauthorized")
    return account


def find_message(account: SandboxAccount, message_id: str) -> SandboxJob:
    """The account's job `message_id` from the last 24 hours, else 404 "Message not found"."""
    try:
        pk = uuid.UUID(str(message_id))
    except ValueError:
        pk = None
    job = None
    if pk is not None:
        job = (
            SandboxJob.objects.select_related("parent")
            .filter(pk=pk, account=account, created_at__gte=clock.now() - HISTORY)
            .first()
        )
    if job is None:
        raise ApiError(404, "Message not found")
    return job


def imagine_cost(prompt: str) -> int:
    """10 fast, 5 with `--relax`, turbo priced as fast (https://platform.imaginepro.ai/ai-agent-skill; turbo unknown)."""
    params = parse_prompt(prompt)
    if params.relax:
        return IMAGINE_RELAX_COST
    return IMAGINE_TURBO_COST if params.turbo else IMAGINE_COST


def planned_error(prompt: str, *problems: str) -> str:
    """Why a job will FAIL when it starts ("" if it will not): a banned word first, then the
    first non-empty of `problems` (a bad parameter, an input that could not be fetched)."""
    word = find_banned_word(prompt)
    if word:
        return f'Banned prompt detected: "{word}"'
    return next((problem for problem in problems if problem), "")


def require_credits(account: SandboxAccount, cost: int) -> None:
    """401 "Insufficient credits" now if the balance is short, before slow work (fetching
    inputs), failed jobs refunded first. The charge itself stays the conditional UPDATE in
    create_job."""
    refunds.settle(account.pk)
    credits = SandboxAccount.objects.filter(pk=account.pk).values_list("credits", flat=True)
    if not credits or credits[0] < cost:
        raise ApiError(401, "Insufficient credits")


def submit_imagine(
    account: SandboxAccount,
    req: ImagineRequest,
    *,
    endpoint: str,
    base_url: str,
    body: dict,
    boost: bool = False,
) -> SandboxJob:
    """Accept a Midjourney imagine (§3.1): charge and store a job that makes a 2×2 grid.

    Image-to-image: image URLs at the start of the prompt are fetched now (render/inputs.py) and
    shape every tile; one that cannot be fetched FAILs the job. `boost` (§3.4) runs faster.
    """
    job_id = uuid.uuid4()
    params = parse_prompt(req.prompt)
    width, height = tile_size(params.ratio)
    cost = imagine_cost(req.prompt)
    urls = leading_image_urls(req.prompt)
    fetched, fetch_error = [], ""
    if len(urls) > MAX_IMAGE_PROMPTS:
        fetch_error = f"Too many image prompts: at most {MAX_IMAGE_PROMPTS} image URLs."
    elif urls:
        require_credits(account, cost)
        fetched, fetch_error = fetch_images(urls)
    return create_job(
        account,
        cost=cost,
        pace="grid",
        boost=boost,
        planned_error=planned_error(req.prompt, params.problem, fetch_error),
        fetched=fetched,
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.IMAGINE,
            "prompt": req.prompt,
            "seed": params.seed if params.seed is not None else seed_from_id(str(job_id)),
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


def submit_button(
    account: SandboxAccount,
    req: ButtonRequest,
    *,
    endpoint: str,
    base_url: str,
    body: dict,
    boost: bool = False,
) -> SandboxJob:
    """Press a button on a finished message (§3.3, §4), or Cancel Job on a running one.

    404 if the message is not the account's; 400 if it is not DONE, if `button` is not
    exactly one of its `buttons`, or if Vary (Region) comes without a valid `mask`.
    `boost` (§3.4) runs the new job faster.
    """
    parent = find_message(account, req.message_id)
    if req.button == btn.CANCEL_JOB:
        return cancel_job(account, parent, req, endpoint=endpoint, base_url=base_url, body=body)
    status = job_state(parent, clock.now()).status
    if status != DONE:
        raise bad_request(
            f"Message is not finished (status {status}); buttons are not available yet."
        )
    if req.button not in btn.available_buttons(parent, status):
        raise bad_request(f'Button "{req.button}" is not available for this message.')
    if req.button == btn.VARY_REGION:
        if not req.mask:
            raise bad_request("Mask is required.")
        try:
            decode_mask(req.mask)
        except ValueError as exc:
            raise bad_request("mask must be a base64-encoded image.") from exc
    plan = btn.plan_button(parent, req.button)
    job_id = uuid.uuid4()
    prompt = req.prompt or parent.prompt
    return create_job(
        account,
        cost=btn.BUTTON_COST,
        pace=plan.pace,
        boost=boost,
        planned_error=planned_error(prompt),
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.BUTTON,
            "action": req.button,
            "parent": parent,
            "prompt": prompt,
            # New pictures get a new seed; an upscale keeps its source's.
            "seed": parent.seed if plan.pace == "upscale" else seed_from_id(str(job_id)),
            "shape": plan.shape,
            "width": plan.width,
            "height": plan.height,
            "count": plan.count,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def submit_flux(
    account: SandboxAccount, req: FluxRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a Flux imagine (§3.11): n images of width×height, 6 credits each."""
    job_id = uuid.uuid4()
    return create_job(
        account,
        cost=FLUX_COST_PER_IMAGE * req.n,
        pace="flux",
        planned_error=planned_error(req.prompt),
        fields={
            "id": job_id,
            "kind": SandboxJob.Kind.FLUX,
            "prompt": req.prompt,
            "seed": seed_from_id(str(job_id)),
            "shape": SandboxJob.Shape.BATCH,
            "width": req.width,
            "height": req.height,
            "count": req.n,
            "output_format": req.output_format,
            "output_quality": req.output_quality,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )


def create_job(
    account: SandboxAccount,
    *,
    cost: int,
    pace: str,
    planned_error: str,
    fields: dict,
    req_base: BaseParams,
    endpoint: str,
    base_url: str,
    body: dict,
    boost: bool = False,
    fetched: list[Fetched] | None = None,
) -> SandboxJob:
    """Charge `cost` with one conditional UPDATE (no overdraw under concurrency) and store
    the job in the same transaction, with the fetched inputs (their URLs in `inputs`, their
    bytes in storage). `fields` are SandboxJob fields (id, kind, prompt, seed, shape, sizes).
    401 "Insufficient credits" charges and stores nothing. Schedules the webhook."""
    now = clock.now()
    timeline = plan_timeline(
        pace=pace,
        created_at=now,
        timeout=req_base.timeout,
        planned_error=planned_error,
        boost=boost,
    )
    # Injected job and webhook faults of this request (faults/): FAIL, never finish, …
    timeline, fault_fields = faults.shape_job(timeline, now=now)
    fetched = fetched or []
    with transaction.atomic():
        charged = SandboxAccount.objects.filter(pk=account.pk, credits__gte=cost).update(
            credits=F("credits") - cost
        )
        if not charged:
            raise ApiError(401, "Insufficient credits")
        # DIY plan: the linked account that runs it, held while the queue is paused.
        timeline, diy_fields = place_job(account, fields, timeline, now)
        job = SandboxJob.objects.create(
            account=account,
            endpoint=endpoint,
            cost=cost,
            ref=req_base.ref,
            webhook_url=req_base.webhook_url,
            timeout=req_base.timeout,
            request_body=body,
            base_url=base_url,
            created_at=now,
            processing_at=timeline.processing_at,
            done_at=timeline.done_at,
            ends_at=timeline.ends_at,
            outcome=timeline.outcome,
            error=timeline.error,
            inputs=[item.url for item in fetched],
            **fields,
            **diy_fields,
            **fault_fields,
        )
        # Inside the transaction: if storing fails, neither the charge nor the job remain.
        store_inputs(job, fetched)
        schedule_delivery(job)
        schedule_drawing(job)  # its files ready by DONE, as the real provider's
    return job


def cancel_job(
    account: SandboxAccount,
    target: SandboxJob,
    req: ButtonRequest,
    *,
    endpoint: str,
    base_url: str,
    body: dict,
) -> SandboxJob:
    """Cancel Job (§3.3, §4): `target`, a running imagine/button/blend, FAILs at once with
    "Job cancelled" (its webhook goes out now); the press itself is answered like any button,
    with a new message that is DONE immediately, has no files and costs nothing. The
    cancelled job's credits come back like any FAIL's (refunds.py; undocumented, §5).

    400 when the target is finished or is not a Midjourney job (no Cancel in its buttons).
    """
    now = clock.now()
    unavailable = bad_request(f'Button "{btn.CANCEL_JOB}" is not available for this message.')
    if btn.CANCEL_JOB not in btn.available_buttons(target, job_state(target, now).status):
        raise unavailable
    # Conditional: a job that ended meanwhile is not rewritten.
    # A job held in a paused DIY queue (diy/queue.py) is released by its cancellation.
    cancelled = SandboxJob.objects.filter(pk=target.pk, ends_at__gt=now).update(
        ends_at=now, outcome=SandboxJob.Outcome.FAIL, error=btn.CANCELLED, held_at=None
    )
    if not cancelled:
        raise unavailable
    target.refresh_from_db()
    schedule_delivery(target)
    return create_job(
        account,
        cost=0,
        pace="instant",
        planned_error="",
        fields={
            "kind": SandboxJob.Kind.BUTTON,
            "action": btn.CANCEL_JOB,
            "parent": target,
            "prompt": target.prompt,
            "seed": target.seed,
            "shape": SandboxJob.Shape.NONE,
            "width": target.width,
            "height": target.height,
            "count": 0,
        },
        req_base=req.base,
        endpoint=endpoint,
        base_url=base_url,
        body=body,
    )
