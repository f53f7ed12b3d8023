"""The provider's own banned-word list (provisional route `GET|POST /diy/ban-words`,
`{"words": [...]}`; docs/architecture.md "Providers"), read and replaced with the console's DIY key.

The provider applies this list to every job of the DIY account; our own list (services.py)
is checked in the studio before anything is sent.
"""

from __future__ import annotations

import hashlib
import json

from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.banwords.forms import provider_entries
from studio.banwords.matching import diff
from studio.console.audit import record
from studio.console.models import ConsoleSettings
from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient

# (connect, read) seconds: a staff page waits on these calls.
TIMEOUT = (3.0, 10.0)
NO_KEY = "Choose the console's DIY key first: the provider's list belongs to that account."


class ProviderListError(Exception):
    """The provider's list could not be read or changed; the message is for staff."""


def console_key() -> ProviderKey | None:
    """The DIY-plan key staff chose for the console, or None."""
    return ConsoleSettings.load().diy_key


@sensitive_variables("api_key")
def _client(key: ProviderKey) -> ImagineProClient:
    return ImagineProClient(base_url=key.base_url, api_key=key.api_key, timeout=TIMEOUT)


def fingerprint(words: list[str]) -> str:
    """A short digest of a list (order and duplicates ignored), to notice a list that
    changed between a preview and its confirm."""
    data = json.dumps(provider_entries(words), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def read(key: ProviderKey | None) -> list[str]:
    """The provider's list, sorted. Raises ProviderListError (no key, or the provider's
    error as a sentence)."""
    if key is None:
        raise ProviderListError(NO_KEY)
    try:
        return provider_entries(_client(key).ban_words())
    except ProviderError as exc:
        raise ProviderListError(f"Could not read the provider's list: {exc.describe()}") from exc


def update(user, key: ProviderKey | None, words: list[str], *, old: list[str]) -> list[str]:
    """Replace the provider's list with `words`; returns the list as the provider stored it.

    Audited either way (action "banwords.provider_update", with what was added and removed
    against `old` and the provider's answer). Raises ProviderListError on a refusal or
    failure.
    """
    if key is None:
        raise ProviderListError(NO_KEY)
    added, removed = diff(old, words)
    details = {"added": added, "removed": removed, "key": key.name}
    try:
        stored = provider_entries(_client(key).ban_words_update(list(words)))
    except ProviderError as exc:
        sentence = f"The provider did not change its list: {exc.describe()}"
        record(
            user,
            "banwords.provider_update",
            target=key.name,
            details=details,
            answer=exc.describe(),
            ok=False,
        )
        raise ProviderListError(sentence) from exc
    record(
        user,
        "banwords.provider_update",
        target=key.name,
        details=details,
        answer=f"The provider now has {len(stored)} entries.",
    )
    return stored
