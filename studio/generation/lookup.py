"""Unknown submit outcomes: a submit whose answer was lost is looked up, never re-posted.

A submit whose answer was lost (read timeout, reset after sending, 502/504, an unreadable 200)
stays SUBMITTING with `outcome_unknown_at` and is looked up in the provider's history by our
`ref`; so is one left SUBMITTING by a killed worker. Only for providers that echo the `ref`
(Capabilities.echoes_ref). A job never found is closed at its deadline and refunded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from studio.generation import cancel, transitions
from studio.generation.models import FinishedBy, Generation, Status
from studio.generation.notes import clock, short_reason
from studio.generation.pacing import (
    DEADLINE_MARGIN,
    backoff,
    hold_key,
    poll_interval,
    progress_limiter,
)
from studio.generation.providers import models_where
from studio.provider import registry
from studio.provider.errors import ProviderError
from studio.provider.messages import Message, parse_timestamp

log = logging.getLogger(__name__)

# Unknown submit outcomes (docs/provider-contract.md §3.8 history, §1.6 ref): the card's words, how far
# before our send a job may be stamped by the provider's clock, how many lookups per pass.
UNKNOWN_NOTE = "checking with the provider whether it received this job…"
LOOKUP_SKEW = timedelta(seconds=60)
LOOKUP_BATCH = 50


@contextmanager
def _progress_place(key_id) -> Iterator[None]:
    """One of the key's progress places (pacing.progress_limiter) around a lookup's fetch. A
    key held by a 429 raises that 429 instead of waiting: the lookup is tried again after
    it, and the poll pass is not kept waiting."""
    ticket = progress_limiter.acquire(key_id, skip_if_held=True)
    if ticket is None:
        raise ProviderError(
            "Rate limited",
            status=429,
            retryable=True,
            retry_after=progress_limiter.held_for(key_id) or 1.0,
        )
    try:
        yield
    finally:
        progress_limiter.release(key_id, ticket)


def outcome_unknown(
    generation: Generation, exc: ProviderError | None = None, *, webhook_expected=False, **where
) -> bool:
    """Mark a SUBMITTING generation whose submit answer never arrived (`exc`, or a worker
    killed mid-send) as outcome-unknown: the card says the studio is checking, the poller
    looks it up every LOOKUP_INTERVAL s, and it closes at send time + timeout + margin.
    `where` narrows the conditional UPDATE. True when applied."""
    now = timezone.now()
    sent = generation.submitted_at or generation.updated_at or now
    reason = f" ({short_reason(exc)})" if exc is not None else ""
    log.info("submit of %s has an unknown outcome%s: looking it up", generation.pk, reason)
    fields = {
        "outcome_unknown_at": now,
        "status_note": UNKNOWN_NOTE,
        "next_poll_at": now + timedelta(seconds=settings.LOOKUP_INTERVAL),
        "deadline_at": sent + timedelta(seconds=generation.timeout) + DEADLINE_MARGIN,
        "submitted_at": sent,
        "error": (
            f"The provider's answer to the submit was lost{reason}."
            if exc is not None
            else "The worker stopped while sending this job, so the provider's answer was lost."
        )[:2000],
    }
    if webhook_expected:
        fields["webhook_expected"] = True
    rows = Generation.objects.filter(
        pk=generation.pk, status=Status.SUBMITTING, message_id="", **where
    )
    return rows.update(updated_at=now, **fields) == 1


def _never_shown(generation: Generation) -> str:
    """Why an unknown-outcome job was closed, for a person."""
    lost = generation.error.rstrip(".") or "The provider's answer to the submit was lost"
    return (
        f"{lost}, and the provider never showed this job in its history by "
        f"{clock(generation.deadline_at)}. It was not sent again (that could charge twice); "
        f"its {generation.cost} credits were returned."
    )


def _lookup_since(generation: Generation):
    sent = generation.submitted_at or generation.created_at
    return sent - LOOKUP_SKEW


def resolve_unknown(generations: list[Generation], *, start_download) -> int:
    """Look up outcome-unknown generations of one key in the provider's history (GET
    /nova/images, one read for all of them) and confirm each by the `ref` of its Message
    (ImagineProClient.find_by_ref). Found: the provider's messageId is adopted and its
    status applied forward-only (DONE → the download starts). Not found: looked up again
    in LOOKUP_INTERVAL s, or closed as failed and refunded once past its deadline. A
    provider error pushes the next look by its Retry-After or backoff. Returns how many
    generations were handled."""
    if not generations:
        return 0
    key = generations[0].provider_key
    now = timezone.now()
    client = registry.client_for(key)
    try:
        history = client.history_since(min(_lookup_since(g) for g in generations))
    except ProviderError as exc:
        for generation in generations:
            _lookup_failed(generation, exc)
        return len(generations)
    known = set(
        Generation.objects.filter(
            provider_key=key, message_id__in=[str(item.get("id")) for item in history]
        ).values_list("message_id", flat=True)
    )
    history = [item for item in history if str(item.get("id")) not in known]
    for generation in generations:
        since = _lookup_since(generation)
        try:
            message = client.find_by_ref(
                str(generation.pk),
                prompt=generation.prompt,
                button=generation.button,
                since=since,
                history=[
                    item
                    for item in history
                    if (created := parse_timestamp(item.get("createdAt"))) is None
                    or created >= since
                ],
                paced=lambda: _progress_place(key.pk),
            )
        except ProviderError as exc:
            _lookup_failed(generation, exc)
            continue
        if message is not None:
            _adopt(generation, message, start_download=start_download)
        elif generation.deadline_at and generation.deadline_at <= now:
            transitions.fail(generation.pk, _never_shown(generation))
        else:
            _look_again(generation, UNKNOWN_NOTE, settings.LOOKUP_INTERVAL)
    return len(generations)


def _look_again(generation: Generation, note: str, delay: float) -> None:
    """Next lookup in `delay` s, but never after the deadline (which closes it)."""
    when = timezone.now() + timedelta(seconds=delay)
    if generation.deadline_at:
        when = min(when, generation.deadline_at)
    transitions.advance(
        generation.pk, (Status.SUBMITTING,), status_note=note[:200], next_poll_at=when
    )


def _lookup_failed(generation: Generation, exc: ProviderError) -> None:
    if exc.status == 429:  # the whole key waits: this pass's fetches, its submits and polls
        progress_limiter.hold(generation.provider_key_id, exc.retry_after or 1.0)
        hold_key(generation.provider_key_id, exc.retry_after or 1.0)
    if generation.deadline_at and generation.deadline_at <= timezone.now():
        transitions.fail(generation.pk, _never_shown(generation))
        return
    delay = exc.retry_after or max(settings.LOOKUP_INTERVAL, backoff(generation.poll_failures))
    Generation.objects.filter(pk=generation.pk).update(poll_failures=F("poll_failures") + 1)
    _look_again(
        generation,
        f"checking with the provider whether it received this job ({short_reason(exc)}), "
        f"next try in {delay:.0f} s",
        delay,
    )


def _adopt(generation: Generation, message: Message, *, start_download) -> None:
    """The lookup found our job: take its messageId, then apply its status."""
    if not transitions.adopt(generation.pk, message.message_id):
        return
    moved = transitions.apply_message(
        generation.pk,
        message,
        next_poll_in=poll_interval(generation),
        source=FinishedBy.LOOKUP,
    )
    if moved == Status.DOWNLOADING:
        start_download(generation.pk)
    cancel.after_submit(generation.pk)  # a Cancel asked for while the answer was lost


def recover_stale_submits(now) -> int:
    """A generation left SUBMITTING longer than SUBMIT_STALE_SECONDS lost its worker (a
    restart, a SIGKILL) in the middle of a send: whether the provider got it is unknown, so
    it is looked up, never re-sent. Those of a provider that echoes no `ref` are left to their
    deadline."""
    stale = now - timedelta(seconds=settings.SUBMIT_STALE_SECONDS)
    rows = (
        Generation.objects.filter(
            status=Status.SUBMITTING, outcome_unknown_at__isnull=True, updated_at__lt=stale
        )
        .exclude(model__in=models_where(lambda found: not found.echoes_ref))
        .only("pk", "timeout", "submitted_at", "updated_at", "created_at")
    )
    return sum(outcome_unknown(g, updated_at__lt=stale) for g in rows)


def run_due_lookups(due, *, start_download) -> int:
    """Run the due history lookups (`due`: a Q of the rows whose time has come), one batch
    per key. Returns how many generations were handled."""
    rows = list(
        Generation.objects.filter(due, status=Status.SUBMITTING, outcome_unknown_at__isnull=False)
        .select_related("provider_key")
        .order_by("next_poll_at")[:LOOKUP_BATCH]
    )
    touched = 0
    by_key: dict[object, list[Generation]] = {}
    for generation in rows:
        if generation.provider_key is None:
            transitions.fail(
                generation.pk,
                "The API key for this generation was deleted while the studio was checking "
                "whether the provider received it; it was not sent again.",
            )
            touched += 1
            continue
        by_key.setdefault(generation.provider_key_id, []).append(generation)
    for generations in by_key.values():
        touched += resolve_unknown(generations, start_download=start_download)
    return touched
