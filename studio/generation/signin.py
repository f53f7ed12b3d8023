"""A key whose signed-in token the provider refused: its work waits for a new sign-in.

Only for providers whose keys may be signed-in tokens (Capabilities.needs_sign_in). A refused
token (401) marks the key (ProviderKey.needs_login_since); its generations are parked with
`waiting_for = sign_in` (no provider call while they wait, their deadline pushed), and a new
sign-in releases them.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import transitions
from studio.generation.models import ACTIVE, Generation, WaitingFor
from studio.generation.pacing import DEADLINE_MARGIN
from studio.provider import registry
from studio.provider.errors import ProviderError

# A signed-in token the provider refused (401): the work waits, looked at again
# this often (no provider call while waiting), its deadline pushed so it is not closed.
LOGIN_NOTE = "waiting: sign in to ImagineLab again"
LOGIN_RECHECK = timedelta(seconds=60)


def mark_needs_sign_in(key: ProviderKey) -> bool:
    """Record that the provider refused the key's signed-in token: work with it waits until
    the person signs in again. Only for signed-in tokens of a provider that has them; an API
    key is not marked. True when the key is (now) waiting for a sign-in."""
    if not registry.capabilities(key.provider).needs_sign_in or key.auth != ProviderKey.AUTH_TOKEN:
        return False
    now = timezone.now()
    ProviderKey.objects.filter(pk=key.pk, needs_login_since__isnull=True).update(
        needs_login_since=now
    )
    key.needs_login_since = key.needs_login_since or now
    return True


def token_refused(key: ProviderKey | None, exc: ProviderError) -> bool:
    """The one handler of a refused token: True when `exc` is a 401 to a signed-in token
    (mark_needs_sign_in marked the key), so the work must wait, not fail."""
    if key is None or exc.status != 401:
        return False
    return mark_needs_sign_in(key)


def wait_for_login(generation: Generation, from_statuses, **fields) -> None:
    """Park a generation until its key is signed in again: the note on the card, the next
    look in LOGIN_RECHECK, the deadline pushed as far as a fresh job's."""
    now = timezone.now()
    transitions.advance(
        generation.pk,
        from_statuses,
        status_note=LOGIN_NOTE,
        waiting_for=WaitingFor.SIGN_IN,
        next_poll_at=now + LOGIN_RECHECK,
        deadline_at=now + timedelta(seconds=generation.timeout) + DEADLINE_MARGIN + LOGIN_RECHECK,
        **fields,
    )


def release_waiting(key: ProviderKey) -> int:
    """After a new sign-in: the key's generations that waited for it become due now (the
    poller submits the queued ones and polls the running ones). Returns how many."""
    return Generation.objects.filter(
        provider_key=key, status__in=ACTIVE, waiting_for=WaitingFor.SIGN_IN
    ).update(
        status_note="signed in again: going on…",
        waiting_for=WaitingFor.NOTHING,
        next_poll_at=timezone.now(),
    )
