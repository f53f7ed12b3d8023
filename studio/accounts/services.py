"""Storing provider keys: a real ImaginePro key (checked on save) or a sandbox account;
for ImagineLab a dedicated API key, a token got by signing in (the password is never
stored), or an ImagineLab sandbox account."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.shortcuts import get_object_or_404
from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.provider.errors import ProviderError
from studio.provider.imaginelab.client import ImagineLabClient
from studio.provider.imaginepro.client import ImagineProClient
from studio.web import simulator

if TYPE_CHECKING:  # a key may belong to a team; accounts sit below teams
    from studio.teams.models import Team

log = logging.getLogger(__name__)

# Sent (kwargs: key) when a signed-in key got a new token; a receiver answers how many
# generations it let go on (the generation app connects to it, so accounts need not import it).
key_signed_in = Signal()


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
    the person's own, or `team`'s (the caller has checked that `user` owns it).
    Raises Http404 when the sandbox is not installed (studio.web.simulator)."""
    label = user.get_username() if team is None else f"team {team.name}"
    with transaction.atomic():
        opened = simulator.open_account(simulator.IMAGINEPRO, label=label)
        key = ProviderKey(user=user, team=team, name="Sandbox", is_sandbox=True)
        key.set_api_key(opened.api_key)
        key.save()
    return key


def sandbox_key_for_outside_use(key: ProviderKey) -> dict | None:
    """What a person needs to point an outside client (the provider's SDK, curl) at the
    sandbox with one of their own sandbox keys: `{"api_key", "base_url", "email",
    "password"}` (email and password: an ImagineLab sandbox account's sign-in, else ""), or
    None for any other key. A sandbox key opens a simulated account only, so it is shown in full; a real
    key or a signed-in token never is."""
    if not key.is_sandbox or key.auth != ProviderKey.AUTH_KEY:
        return None
    return {
        "api_key": key.api_key,
        "base_url": key.base_url,
        "email": key.login_email,
        "password": key.sandbox_password,
    }


def key_rename(*, key: ProviderKey, name: str) -> ProviderKey:
    key.name = name
    key.save(update_fields=["name"])
    return key


def key_delete(*, key: ProviderKey) -> None:
    """Delete a key. Its generations stay; unfinished ones fail with a clear reason."""
    key.delete()


# --- ImagineLab ------------------------------------------------------------------------------


def _lab_key(
    *, user: AbstractBaseUser, team: Team | None, name: str, is_sandbox: bool, auth: str
) -> ProviderKey:
    return ProviderKey(
        user=user,
        team=team,
        name=name,
        provider=ProviderKey.PROVIDER_IMAGINELAB,
        auth=auth,
        is_sandbox=is_sandbox,
    )


@sensitive_variables("api_key")
def lab_key_create(
    *,
    user: AbstractBaseUser,
    name: str,
    api_key: str,
    team: Team | None = None,
    is_sandbox: bool = False,
) -> tuple[ProviderKey, str]:
    """Check a dedicated ImagineLab API key with a free call (GET /auth/me), then store it
    encrypted, like an ImaginePro key. `team`: a team's key (the caller checked that `user`
    owns the team). Returns (key, warning): the warning says when the key could not be
    checked now (network, 5xx) and was saved anyway. Raises KeyRejected on a 401 (nothing
    stored)."""
    key = _lab_key(
        user=user, team=team, name=name, is_sandbox=is_sandbox, auth=ProviderKey.AUTH_KEY
    )
    key.set_api_key(api_key)
    warning = ""
    try:
        ImagineLabClient(base_url=key.base_url, token=api_key).me()
    except ProviderError as exc:
        if exc.status == 401:
            raise KeyRejected(
                "ImagineLab did not accept this key (401 Unauthorized). Copy it again from "
                "your ImagineLab account; nothing was saved."
            ) from exc
        warning = f"The key was saved but could not be checked just now: {exc.describe()}"
    key.save()
    return key, warning


@sensitive_variables("password", "token")
def _lab_login(*, base_url: str, email: str, password: str) -> str:
    """A bearer token for email + password (POST /auth/login, form-encoded, https://api.imagineview.art).
    Raises KeyRejected with a sentence; the password goes nowhere but that request."""
    try:
        return ImagineLabClient.login(base_url=base_url, email=email, password=password)
    except ProviderError as exc:
        if exc.status in (400, 401, 403):
            raise KeyRejected(
                "ImagineLab did not accept this email and password. Nothing was saved."
            ) from exc
        raise KeyRejected(f"Could not sign in to ImagineLab: {exc.describe()}") from exc


@sensitive_variables("password", "token")
def lab_sign_in(
    *,
    user: AbstractBaseUser,
    name: str,
    email: str,
    password: str,
    team: Team | None = None,
    is_sandbox: bool = False,
) -> ProviderKey:
    """Sign in to ImagineLab and store the token it gives (encrypted, `auth="token"`) with
    the email (to prefill the next sign-in). The password is used for that one request and
    never stored or logged. Raises KeyRejected (refused, or ImagineLab unreachable)."""
    key = _lab_key(
        user=user, team=team, name=name, is_sandbox=is_sandbox, auth=ProviderKey.AUTH_TOKEN
    )
    token = _lab_login(base_url=key.base_url, email=email, password=password)
    key.set_api_key(token)
    key.login_email = email
    key.save()
    return key


@sensitive_variables("password", "token")
def lab_sign_in_again(*, key: ProviderKey, email: str, password: str) -> int:
    """Replace the token of a signed-in ImagineLab key after it expired (or early), clear
    `needs_login_since`, and let the work that waited go on: its queued and running
    generations become due now and a poll is started. Returns how many generations were
    waiting (the sum of the `key_signed_in` receivers' answers). Raises KeyRejected
    (nothing changed)."""
    token = _lab_login(base_url=key.base_url, email=email, password=password)
    key.set_api_key(token)
    key.login_email = email
    key.auth = ProviderKey.AUTH_TOKEN
    key.needs_login_since = None
    key.save(
        update_fields=["api_key_encrypted", "last4", "login_email", "auth", "needs_login_since"]
    )
    released = sum(n for _, n in key_signed_in.send(sender=ProviderKey, key=key) if n)
    log.info("imaginelab key %s signed in again; %d generations go on", key.pk, released)
    return released


def going_on_sentence(waiting: int) -> str:
    """What a person reads after signing in again: " 2 waiting generations go on." (a
    leading space, for after another sentence), or "" when nothing waited."""
    if not waiting:
        return ""
    return f" {waiting} waiting generation{'s' if waiting != 1 else ''} go on."


def lab_sandbox_key_create(*, user: AbstractBaseUser, team: Team | None = None) -> ProviderKey:
    """Open an ImagineLab sandbox account (simulated outputs, a starting wallet) and store
    its dedicated API key, for the person or `team` (the caller checked `user` owns it).
    Raises Http404 when the sandbox is not installed (studio.web.simulator)."""
    label = user.get_username() if team is None else f"team {team.name}"
    with transaction.atomic():
        opened = simulator.open_account(simulator.IMAGINELAB, label=label)
        key = _lab_key(
            user=user,
            team=team,
            name="ImagineLab sandbox",
            is_sandbox=True,
            auth=ProviderKey.AUTH_KEY,
        )
        key.set_api_key(opened.api_key)
        # A simulated account: its sign-in is kept, so its owner can try "Sign in" with it.
        key.login_email = opened.email
        key.set_sandbox_password(opened.password)
        key.save()
    return key


def needs_login_keys(user: AbstractBaseUser):
    """The person's own ImagineLab keys whose sign-in expired (the Keys page and the
    gallery ask them to sign in again)."""
    return ProviderKey.objects.filter(
        user=user,
        team__isnull=True,
        provider=ProviderKey.PROVIDER_IMAGINELAB,
        needs_login_since__isnull=False,
    )
