"""An ImagineLab account from the Keys page: sign up (then sign in and keep the token),
ask for a password reset, and ask "who am I" with a stored key, as ImagineLab documents
them (POST /auth/signup, POST /auth/forgot-password, GET /auth/me; https://api.imagineview.art).
The real ImagineLab or its sandbox, by the person's choice, like the sign-in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.accounts.services import KeyRejected, lab_sign_in
from studio.provider.errors import ProviderError
from studio.provider.imaginelab.client import ImagineLabClient


def lab_base_url(*, is_sandbox: bool) -> str:
    """The ImagineLab API a form talks to: the sandbox's or the real one."""
    return settings.SANDBOX_IMAGINELAB_BASE_URL if is_sandbox else settings.IMAGINELAB_BASE_URL


@sensitive_variables("password")
def lab_sign_up(
    *, user: AbstractBaseUser, name: str, email: str, password: str, is_sandbox: bool
) -> ProviderKey:
    """Create an ImagineLab account (POST /auth/signup), then sign in with it and store the
    token as the person's key (accounts.services.lab_sign_in). The password goes only to
    ImagineLab. Raises KeyRejected with ImagineLab's reason ("Email already registered",
    a short password) or when it cannot be reached; nothing is stored then."""
    base_url = lab_base_url(is_sandbox=is_sandbox)
    try:
        ImagineLabClient.signup(
            base_url=base_url, email=email, password=password, full_name=user.get_username()
        )
    except ProviderError as exc:
        if exc.status in (400, 409, 422):
            raise KeyRejected(
                f"ImagineLab did not create the account: {exc.message} Nothing was saved."
            ) from exc
        raise KeyRejected(f"Could not reach ImagineLab to sign up: {exc.describe()}") from exc
    return lab_sign_in(user=user, name=name, email=email, password=password, is_sandbox=is_sandbox)


def lab_forgot_password(*, email: str, is_sandbox: bool) -> str:
    """Ask ImagineLab to email a password reset link (POST /auth/forgot-password): its
    sentence, the same whether or not the email is registered. Raises KeyRejected when
    ImagineLab cannot be reached or refuses the request."""
    try:
        return ImagineLabClient.forgot_password(
            base_url=lab_base_url(is_sandbox=is_sandbox), email=email
        )
    except ProviderError as exc:
        raise KeyRejected(f"Could not ask ImagineLab for a reset link: {exc.describe()}") from exc


def lab_who_am_i(key: ProviderKey) -> str:
    """Which ImagineLab account a stored key or token opens (GET /auth/me), as a sentence:
    "ImagineLab says this key opens the account a@b.c (account 7)." Raises KeyRejected
    with a plain reason on a refusal (an expired sign-in) or a transport failure."""
    client = ImagineLabClient(base_url=key.base_url, token=key.api_key)
    try:
        account = client.me()
    except ProviderError as exc:
        if exc.status in (401, 403):
            raise KeyRejected(
                "ImagineLab refused this key (401): sign in again, or paste a new key."
            ) from exc
        raise KeyRejected(f"Could not ask ImagineLab: {exc.describe()}") from exc
    email = account.get("email") or "an account without an email"
    number = f" (account {account['id']})" if account.get("id") is not None else ""
    return f"ImagineLab says “{key.name}” opens the account {email}{number}."
