"""Receiving the provider's webhooks (docs/provider-contract.md §1.6; docs/architecture.md "Pitfalls" §6).

ImaginePro POSTs the Message object (the same JSON as GET /message/fetch/{messageId}, with
the `ref` we sent) to the `webhookOverride` of the submit. Nothing is signed, so the address
itself is the secret: /hooks/generations/<generation id>/<Generation.webhook_token>/, compared
in constant time. A body is a hint applied through the same forward-only update as a poll
(transitions.apply_message): a duplicate, a late or an out-of-order delivery changes nothing,
and polling stays on as the backstop. No provider call is made here: the request answers at
once, and the download runs in a task.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from studio.generation import transitions
from studio.generation.enqueue import enqueue_cancel, enqueue_download
from studio.generation.models import FinishedBy, Generation, Status
from studio.generation.pacing import poll_interval
from studio.provider.messages import Message, parse_message

MAX_BODY_BYTES = 1024 * 1024  # a Message is a few kB; anything near this is not one


class WebhookRefused(Exception):
    """A webhook we will not apply. `status` is the HTTP answer (404: no such address,
    400: not a Message of this generation, 413: too large); `str()` a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Received:
    """What a webhook did: `moved_to` is the new status, None when it changed nothing."""

    moved_to: str | None


def find_generation(generation_id, token: str) -> Generation:
    """The generation whose webhook address this is. Raises WebhookRefused(404) for an
    unknown id, a wrong token or a row that never had one (no detail either way)."""
    generation = (
        Generation.objects.filter(pk=generation_id)
        .only(
            "pk",
            "status",
            "message_id",
            "webhook_token",
            "model",
            "provider_key_id",
            "cancel_requested_at",
        )
        .first()
    )
    stored = generation.webhook_token if generation is not None else ""
    if not stored or not constant_time_compare(stored, token):
        raise WebhookRefused(404, "Not found.")
    return generation


def parse_body(body: bytes) -> Message:
    """The webhook's Message. Raises WebhookRefused(413) above MAX_BODY_BYTES and (400)
    for a body that is not a JSON object with a messageId."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRefused(413, "Body too large.")
    try:
        message = parse_message(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRefused(400, "Expected the Message JSON object.") from exc
    if not message.message_id:
        raise WebhookRefused(400, "The Message has no messageId.")
    return message


def receive(generation: Generation, message: Message) -> Received:
    """Apply a webhook's Message to its generation (forward-only, idempotent).

    The Message must carry the generation's messageId; a generation whose submit answer
    was lost (SUBMITTING, no messageId yet) adopts it when the Message's `ref` is our id.
    On DONE the download task starts after commit. Raises WebhookRefused(400) when the
    Message belongs to another job (nothing changes).
    """
    now = timezone.now()
    if not generation.message_id:
        if message.ref != str(generation.pk) or generation.status != Status.SUBMITTING:
            raise WebhookRefused(400, "This Message is not this generation's job.")
        transitions.adopt(generation.pk, message.message_id)
        generation.refresh_from_db(fields=["message_id", "status"])
    if generation.message_id != message.message_id:
        raise WebhookRefused(400, "This Message is not this generation's job.")
    Generation.objects.filter(pk=generation.pk).update(webhook_at=now)
    moved = transitions.apply_message(
        generation.pk,
        message,
        next_poll_in=poll_interval(generation),
        source=FinishedBy.WEBHOOK,
    )
    if moved == Status.DOWNLOADING:
        transaction.on_commit(lambda: enqueue_download(generation.pk))
    if generation.cancel_requested_at and moved in (Status.SUBMITTED, Status.PROCESSING):
        enqueue_cancel(generation.pk)  # asked while its submit answer was lost
    return Received(moved_to=moved)
