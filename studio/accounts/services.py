"""Storing provider keys: a real ImaginePro key (checked on save) or a sandbox account."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.provider.errors import ProviderError
from studio.provider.imaginepro import ImagineProClient
from studio.sandbox.services import sandbox_account_create
from studio.teams.models import Team


class KeyRejected(Exception):
    """The provider refused the key (HTTP 401); the message says so plainly."""


def get_key_for_user(user: AbstractBaseUser, key_id) -> ProviderKey:
    """One of the person's personal keys (team keys are managed on the team's page); 404
    for any other."""
    return get_object_or_404(ProviderKey, pk=key_id, user=user, team__isnull=True)


@sensitive_variables("api_key")
def key_create(
    *, user: AbstractBaseUser, name: str, api_key: str, team: Team | None = None
) -> tuple[ProviderKey, str]:
    """Check an ImaginePro key with a free call, then store it encrypted.

    `team`: store it as that team's key (its creators spend with it; `user` is who added
    it); the caller has checked that `user` is an owner there. None: a personal key.
    Returns (key, warning): the warning is "" when the provider accepted the key, or says
    that it could not be checked now (network, 5xx) and was saved anyway.
    Raises KeyRejected on a 401, storing nothing.
    """
    key = ProviderKey(user=user, team=team, name=name, is_sandbox=False)
    key.set_api_key(api_key)
    warning = ""
    try:
        ImagineProClient(base_url=key.base_url, api_key=api_key).check_key()
    except ProviderError as exc:
        if exc.status == 401:
            raise KeyRejected(
                "ImaginePro did not accept this key (401 Unauthorized). Copy it again from "
                "your ImaginePro dashboard; nothing was saved."
            ) from exc
        warning = f"The key was saved but could not be checked just now: {exc.describe()}"
    key.save()
    return key, warning


def sandbox_key_create(*, user: AbstractBaseUser, team: Team | None = None) -> ProviderKey:
    """Open a sandbox account (simulated images, starting credits) and store its key:
    the person's own, or `team`'s (the caller has checked that `user` owns it)."""
    label = user.get_username() if team is None else f"team {team.name}"
    with transaction.atomic():
        api_key = sandbox_account_create(label=label)
        key = ProviderKey(user=user, team=team, name="Sandbox", is_sandbox=True)
        key.set_api_key(api_key)
        key.save()
    return key


def key_rename(*, key: ProviderKey, name: str) -> ProviderKey:
    key.name = name
    key.save(update_fields=["name"])
    return key


def key_delete(*, key: ProviderKey) -> None:
    """Delete a key. Its generations stay; unfinished ones fail with a clear reason."""
    key.delete()
