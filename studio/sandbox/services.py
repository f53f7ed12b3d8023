"""Sandbox business logic: accounts and keys, credits, submitting and finding jobs.

The contract is ImaginePro's (see /work/shared/api/imaginepro.md): costs from §5 (seed S000),
401 for a bad key *or* insufficient credits (§1.5), 404 for a message that is unknown,
another account's, or older than the 24-hour history (§3.8).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import buttons as btn
from .files import decode_mask
from .lifecycle import DONE, job_state, plan_timeline
from .models import SandboxAccount, SandboxJob
from .prompts import find_banned_word, parse_prompt, seed_from_id, tile_size
from .validation import ApiError, ButtonRequest, FluxRequest, ImagineRequest, bad_request
from .webhooks import schedule_delivery

# Credits per task (S000, imaginepro.md §5).
IMAGINE_COST = 10
IMAGINE_RELAX_COST = 5
# Turbo's price is not documented; the sandbox charges the fast price.
IMAGINE_TURBO_COST = 10
FLUX_COST_PER_IMAGE = 6

HISTORY = timedelta(hours=24)  # messages older than this are "not found" (§3.8)
KEY_PREFIX = "sk-sandbox-"


def _hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def sandbox_account_create(*, label: str, credits: int | None = None) -> str:
    """Create a sandbox account with `credits` (default settings.SANDBOX_STARTING_CREDITS)
    and return its new API key, "sk-sandbox-<32 hex>". Only the key's sha256 is stored."""
    if credits is None:
        credits = settings.SANDBOX_STARTING_CREDITS
    api_key = KEY_PREFIX + secrets.token_hex(16)
    now = timezone.now()
    SandboxAccount.objects.create(
        label=label[:200],
        key_hash=_hash_key(api_key),
        key_last4=api_key[-4:],
        email=f"sandbox-{api_key[-8:]}@sandbox.invalid",
        credits=credits,
        credits_quota=credits,
        created_at=now,
        expires_at=now + timedelta(days=365),
    )
    return api_key


def sandbox_account_credits(*, api_key: str) -> int | None:
    """Remaining credits of the account with this key, None if the key is unknown."""
    account = SandboxAccount.objects.filter(key_hash=_hash_key(api_key)).first()
    return None if account is None else account.credits


def authenticate(authorization: str | None) -> SandboxAccount:
    """The account named by an `Authorization: Bearer <key>` header, else 401 (§1)."""
    scheme, _, key = (authorization or "").strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "Unauthorized")
    account = SandboxAccount.objects.filter(key_hash=_hash_key(key)).first()
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
            .filter(pk=pk, account=account, created_at__gte=timezone.now() - HISTORY)
            .first()
        )
    if job is None:
        raise ApiError(404, "Message not found")
    return job


def imagine_cost(prompt: str) -> int:
    """10 fast, 5 with `--relax`, turbo priced as fast (S000; turbo unknown)."""
    params = parse_prompt(prompt)
    if params.relax:
        return IMAGINE_RELAX_COST
    return IMAGINE_TURBO_COST if params.turbo else IMAGINE_COST


def _planned_error(prompt: str, parameter_problem: str = "") -> str:
    word = find_banned_word(prompt)
    if word:
        return f'Banned prompt detected: "{word}"'
    return parameter_problem


def submit_imagine(
    account: SandboxAccount, req: ImagineRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Accept a Midjourney imagine (§3.1): charge and store a job that makes a 2×2 grid."""
    job_id = uuid.uuid4()
    params = parse_prompt(req.prompt)
    width, height = tile_size(params.ratio)
    return _charge_and_create(
        account,
        cost=imagine_cost(req.prompt),
        pace="grid",
        planned_error=_planned_error(req.prompt, params.problem),
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
    account: SandboxAccount, req: ButtonRequest, *, endpoint: str, base_url: str, body: dict
) -> SandboxJob:
    """Press a button on a finished message (§3.3, §4).

    404 if the message is not the account's; 400 if it is not DONE, if `button` is not
    exactly one of its `buttons`, or if Vary (Region) comes without a valid `mask`.
    """
    parent = find_message(account, req.message_id)
    status = job_state(parent, timezone.now()).status
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
    return _charge_and_create(
        account,
        cost=btn.BUTTON_COST,
        pace=plan.pace,
        planned_error=_planned_error(prompt),
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
    return _charge_and_create(
        account,
        cost=FLUX_COST_PER_IMAGE * req.n,
        pace="flux",
        planned_error=_planned_error(req.prompt),
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


def _charge_and_create(
    account, *, cost, pace, planned_error, fields, req_base, endpoint, base_url, body
) -> SandboxJob:
    """Charge `cost` with one conditional UPDATE (no overdraw under concurrency) and store
    the job in the same transaction. 401 "Insufficient credits" charges nothing."""
    now = timezone.now()
    timeline = plan_timeline(
        pace=pace, created_at=now, timeout=req_base.timeout, planned_error=planned_error
    )
    with transaction.atomic():
        charged = SandboxAccount.objects.filter(pk=account.pk, credits__gte=cost).update(
            credits=F("credits") - cost
        )
        if not charged:
            raise ApiError(401, "Insufficient credits")
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
            **fields,
        )
        schedule_delivery(job)
    return job
