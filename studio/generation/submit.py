"""Sending a QUEUED generation to its provider, at most once.

Runs inside django-q2 tasks (tasks.submit) and the poller, never inside a web request. The
provider call is never made inside a transaction: every write is a short conditional UPDATE
after the call. An answer that may have been acted on is never re-posted: the job is looked
up instead (lookup.py).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.credits import ledger
from studio.generation import assist, cancel, transitions
from studio.generation.lookup import outcome_unknown
from studio.generation.models import Generation, PromptCheck, Status, WaitingFor
from studio.generation.notes import short_reason
from studio.generation.pacing import (
    DEADLINE_MARGIN,
    backoff,
    claim_submit_slot,
    hold_key,
    poll_interval,
)
from studio.generation.providers import capabilities_of, provider_of
from studio.generation.signin import token_refused, wait_for_login
from studio.provider import registry
from studio.provider.base import ProviderClient
from studio.provider.errors import ProviderError
from studio.provider.messages import SubmitResult
from studio.uploads.public import is_public_base


def webhook_url(generation: Generation, key: ProviderKey) -> str:
    """The generation's webhook address for `webhookOverride` (docs/provider-contract.md), or
    "" when none is sent: WEBHOOKS off, a key whose provider sends no webhooks
    (Capabilities.sends_webhooks), a row without a token, or a real key while WEBHOOK_BASE_URL is not a public address (a sandbox key
    reaches any address)."""
    if (
        not settings.WEBHOOKS
        or not registry.capabilities(key.provider).sends_webhooks
        or not generation.webhook_token
    ):
        return ""
    base = settings.WEBHOOK_BASE_URL
    if not base or (not key.is_sandbox and not is_public_base(base)):
        return ""
    path = reverse("generation:webhook", args=[generation.pk, generation.webhook_token])
    return base + path


def _send(client: ProviderClient, generation: Generation, hook: str) -> SubmitResult:
    """POST the stored body to the generation's route, with our id as `ref` and, when
    there is one, `hook` as `webhookOverride`."""
    base = {"ref": str(generation.id), "timeout": generation.timeout}
    if hook:
        base["webhook_override"] = hook
    return client.submit(generation.endpoint, generation.request_body, **base)


# The start of a refused job's error; the gallery card offers "Edit prompt" for it, not Retry.
PROMPT_REFUSED = "Midjourney would refuse this prompt:"


def _prompt_refusal(generation: Generation) -> str | None:
    """The provider's reason when its free prompt check (POST /nova/prompt-check,
    docs/provider-contract.md §3.9) refuses the job's prompt for people, asked just before the
    submit and at most once per job (transitions.take_prompt_check): a re-run of the task, after
    a requeue or a crash, asks nothing. None when the job asks no check, when it was asked
    already, when the prompt is accepted, and when the check cannot be made (timeout,
    connection error, 5xx, 401; assist.prompt_refusal): the submit goes on, as the provider
    still judges the real job. A 429 on the check is one that cannot be made too, the simpler
    safe choice: the submit goes on, and if it is refused with 429 as well, its own handling
    holds the key and requeues it (_submit_failed), without a second check."""
    if generation.prompt_check != PromptCheck.PENDING:
        return None
    if not transitions.take_prompt_check(generation.pk):
        return None
    return assist.prompt_refusal(generation.provider_key, generation.prompt)


def _requeue(generation: Generation, delay: float, note: str, *, count_attempt: bool) -> None:
    attempts = generation.attempts if count_attempt else generation.attempts - 1
    transitions.advance(
        generation.pk,
        (Status.SUBMITTING,),
        status=Status.QUEUED,
        attempts=max(0, attempts),
        status_note=note,
        submitted_at=None,
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )


def generation_submit(generation_id) -> str:
    """Send a QUEUED generation to the provider, at most once.

    The row is claimed QUEUED → SUBMITTING with a conditional UPDATE, so a duplicated task
    does nothing. Errors that are safe to repeat (connection refused, 429 after its
    Retry-After, 500/503) put it back in the queue with a backoff; an answer that may have
    been acted on (read timeout, reset after sending, 502/504, an unreadable 200) is never
    re-posted: the generation stays SUBMITTING with `outcome_unknown_at` and the poller looks
    it up (resolve_unknown). A job created with `check_prompt` (a Midjourney imagine typed
    in a form or the prompt bar) first asks the provider's prompt check, once
    (_prompt_refusal); a refusal fails it with PROMPT_REFUSED and the provider's reason,
    nothing sent and its credits refunded. Returns the resulting status.
    """
    now = timezone.now()
    claimed = Generation.objects.filter(pk=generation_id, status=Status.QUEUED).update(
        status=Status.SUBMITTING,
        attempts=F("attempts") + 1,
        status_note="Sending to the provider…",
        waiting_for=WaitingFor.NOTHING,
        submitted_at=now,  # the send time a lookup searches from
        updated_at=now,
    )
    if not claimed:
        return "not claimed"
    generation = Generation.objects.select_related("provider_key").get(pk=generation_id)
    if generation.cancel_requested_at:  # asked while an earlier attempt was in flight
        return cancel.close_unsent(generation.pk)
    key = generation.provider_key
    if key is None:
        transitions.fail(
            generation.pk, "The API key for this generation was deleted before it was sent."
        )
        return Status.FAILED
    if key.provider != provider_of(generation.model):
        transitions.fail(
            generation.pk,
            f"The key “{key.name}” is for {key.get_provider_display()}, which does not make "
            f"{generation.get_model_display()} generations; nothing was sent. Choose a key of "
            "the right provider and retry.",
        )
        return Status.FAILED
    if key.needs_login_since:
        wait_for_login(
            generation,
            (Status.SUBMITTING,),
            status=Status.QUEUED,
            attempts=max(0, generation.attempts - 1),
        )
        return Status.QUEUED
    wait = claim_submit_slot(key)
    if wait:
        # A spacing wait is never longer than the spacing (the slot was claimed before now);
        # longer means a 429's Retry-After holds the key (pacing.hold_key). Whole seconds,
        # rounded up: a wait of 0.3 s is "1 s", as the card recounts it.
        note = (
            f"waiting: rate limited, next try in {math.ceil(wait)} s"
            if wait > settings.SUBMIT_SPACING
            else "waiting: one submit every few seconds per key"
        )
        _requeue(generation, wait, note, count_attempt=False)
        return Status.QUEUED
    refusal = _prompt_refusal(generation)
    if refusal:  # nothing was sent: the failure refunds the charge (transitions.advance)
        transitions.fail(generation.pk, f"{PROMPT_REFUSED} {refusal}")
        return Status.FAILED
    hook = webhook_url(generation, key)
    try:
        result = _send(registry.client_for(key), generation, hook)
    except ProviderError as exc:
        return _submit_failed(generation, exc, webhook_expected=bool(hook))
    now = timezone.now()
    transitions.advance(
        generation.pk,
        (Status.SUBMITTING,),
        status=Status.SUBMITTED,
        message_id=result.message_id,
        submitted_at=now,
        news_at=now,
        outcome_unknown_at=None,
        webhook_expected=bool(hook),
        status_note="sent: waiting for the provider to start it",
        next_poll_at=now + timedelta(seconds=poll_interval(generation)),
        deadline_at=now + timedelta(seconds=generation.timeout) + DEADLINE_MARGIN,
    )
    _book_reported_cost(generation, result)
    cancel.after_submit(generation.pk)  # a Cancel asked for while the request was in flight
    return Status.SUBMITTED


def _book_reported_cost(generation: Generation, result: SubmitResult) -> None:
    """When the provider says what the job really costs (ImagineLab `credit_cost`) and it is
    not what we charged, correct the ledger once and record the real cost."""
    if result.credits is None or result.credits < 0 or result.credits == generation.cost:
        return
    ledger.correct(generation, result.credits, "provider")
    Generation.objects.filter(pk=generation.pk).update(cost=result.credits)


def _submit_failed(generation: Generation, exc: ProviderError, *, webhook_expected=False) -> str:
    if token_refused(generation.provider_key, exc):
        wait_for_login(
            generation,
            (Status.SUBMITTING,),
            status=Status.QUEUED,
            attempts=max(0, generation.attempts - 1),
        )
        return Status.QUEUED
    capabilities = capabilities_of(generation.model)
    if exc.status == 402 and capabilities.wallet:
        transitions.fail(
            generation.pk, _no_credits_reason(generation.provider_key, generation.cost)
        )
        return Status.FAILED
    if exc.maybe_accepted and not capabilities.echoes_ref:
        # No `ref` comes back, so the provider's history cannot tell this job apart: closed.
        transitions.fail(
            generation.pk,
            f"{exc.describe()} The provider may have started this job, so it was not sent "
            "again (that could charge twice). Check the provider's history before retrying.",
        )
        return Status.FAILED
    if exc.maybe_accepted:
        outcome_unknown(generation, exc, webhook_expected=webhook_expected)
        return Status.SUBMITTING
    # A 429 was refused before anything started: it waits as long as the deadline allows
    # (the deadline still closes it) rather than using up the attempts.
    rate_limited = exc.status == 429
    if rate_limited:
        hold_key(generation.provider_key_id, exc.retry_after or 1.0)  # its polls wait too
    if exc.retryable and (rate_limited or generation.attempts < settings.SUBMIT_MAX_ATTEMPTS):
        delay = exc.retry_after or backoff(generation.attempts)
        _requeue(
            generation,
            delay,
            f"waiting: {short_reason(exc)}, next try in {delay:.0f} s",
            count_attempt=not rate_limited,
        )
        return Status.QUEUED
    transitions.fail(generation.pk, exc.describe())
    return Status.FAILED


def _no_credits_reason(key: ProviderKey, needed: int) -> str:
    """ImagineLab's 402 for a person: not enough credits, what the job needed and the
    wallet's balance when it can be read (GET /credits/wallet). The card links the wallet
    on this sentence's start (templates/gallery/gallery.html)."""
    try:
        balance = registry.client_for(key).wallet().balance
    except ProviderError as exc:
        return (
            f"Not enough ImagineLab credits: this needs {needed} (the wallet's balance could "
            f"not be read: {exc.describe()})."
        )
    return f"Not enough ImagineLab credits: this needs {needed}, the wallet has {balance}."
