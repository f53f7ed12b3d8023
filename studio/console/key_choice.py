"""Choosing the console's DIY key: one of the staff member's own keys, checked with the
provider first (GET /diy/queue/count, a provisional route) and audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studio.accounts.models import ProviderKey
from studio.console.audit import record
from studio.console.models import ConsoleSettings
from studio.console.services import ConsoleError, choosable_keys, client_for
from studio.provider.errors import ProviderError


@dataclass(frozen=True)
class ChosenKey:
    """The key the console now uses, and `warning`: a sentence when the provider could not
    confirm the key (it was saved anyway), else ""."""

    key: ProviderKey
    warning: str = ""


def choose_key(user, key_id) -> ChosenKey:
    """Make one of `user`'s personal keys the console's key, after asking the provider
    whether it is on the DIY plan (GET /diy/queue/count). A refusal (401/403) keeps the
    previous key; other failures (provider down) save it with a warning, in the audit and
    in the answer (`ChosenKey.warning`, for the page). Raises ConsoleError for a key that
    is not the person's or that the provider refused."""
    try:
        key = choosable_keys(user).filter(pk=uuid.UUID(str(key_id))).first()
    except ValueError:
        key = None
    if key is None:
        raise ConsoleError("Choose one of your own keys (add it on the Keys page first).")
    details = {"key": key.name, "last4": key.last4, "sandbox": key.is_sandbox}
    answer, ok, warning = "The provider accepted the key for the DIY routes.", True, ""
    try:
        client_for(key).queue_count()
    except ProviderError as exc:
        if exc.status in (401, 403):
            sentence = f"That key cannot run the console: {exc.describe()}"
            record(
                user,
                "settings.diy_key",
                target=key.name,
                details=details,
                answer=sentence,
                ok=False,
            )
            raise ConsoleError(sentence) from exc
        warning = (
            f"The provider could not confirm that this key may use the DIY routes: {exc.describe()}"
        )
        answer, ok = f"Saved, but the provider could not confirm it: {exc.describe()}", False
    settings_row = ConsoleSettings.load()
    settings_row.diy_key = key
    settings_row.updated_by = user
    settings_row.save()
    record(user, "settings.diy_key", target=key.name, details=details, answer=answer, ok=ok)
    return ChosenKey(key, warning)
