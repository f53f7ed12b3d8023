"""Storing and removing faults, and finding the sandbox account a fault is for."""

from __future__ import annotations

from ..keys import hash_key
from ..models import SandboxAccount, SandboxFault
from .kinds import check_fields


def inject(
    kind: str,
    *,
    account: SandboxAccount | None = None,
    on: str = "any",
    remaining: int | None = None,
    probability: float = 1.0,
    seconds: float | None = None,
    text: str = "",
    note: str = "",
) -> SandboxFault:
    """Store a fault and return it; it applies from the next request (any process).

    `account`: a SandboxAccount (see `account_for_key`) or None for the whole sandbox.
    Raises ValueError (a sentence) for an unknown kind or `on`, a job/webhook kind on
    requests other than submits, probability outside 0–1, negative remaining or seconds.
    """
    on = check_fields(kind, on, remaining, probability, seconds)
    return SandboxFault.objects.create(
        kind=kind,
        account=account,
        on=on,
        remaining=remaining,
        probability=float(probability),
        seconds=None if seconds is None else float(seconds),
        text=text,
        note=note[:200],
    )


def clear(account: SandboxAccount | None = None, *, all: bool = False) -> int:  # noqa: A002
    """Remove the faults of `account` (None: the whole-sandbox ones), or every stored fault
    with `all=True`; return how many were removed. Faults from SANDBOX_FAULTS stay."""
    faults = SandboxFault.objects.all()
    if not all:
        faults = faults.filter(account=account)
    return faults.delete()[0]


def account_for_key(api_key) -> SandboxAccount | None:
    """The sandbox account of a plaintext sandbox API key ("sk-sandbox-…"), or of a studio
    ProviderKey (anything with an `api_key` attribute); None if the sandbox does not know it."""
    plaintext = getattr(api_key, "api_key", api_key)
    if not isinstance(plaintext, str) or not plaintext:
        return None
    return SandboxAccount.objects.filter(key_hash=hash_key(plaintext)).first()


def find_account(label_or_email: str) -> SandboxAccount:
    """The sandbox account with this email, or else the one with this label (a studio
    sandbox key's account is labelled with its owner's username, or "team <name>").
    ValueError with a sentence when none or several match."""
    wanted = (label_or_email or "").strip()
    if not wanted:
        raise ValueError("Give the sandbox account's label or email.")
    by_email = list(SandboxAccount.objects.filter(email__iexact=wanted)[:2])
    if len(by_email) == 1:
        return by_email[0]
    by_label = list(SandboxAccount.objects.filter(label=wanted)[:3])
    if len(by_label) == 1:
        return by_label[0]
    if by_label:
        raise ValueError(
            f"Several sandbox accounts are labelled “{wanted}”; give the account’s email "
            "instead (shown in the list of accounts below the form)."
        )
    raise ValueError(f"No sandbox account has the label or email “{wanted}”.")


def rate_limited_count(account: SandboxAccount) -> int:
    """How many 429 answers the sandbox sent `account` (progress rate limit + http_429)."""
    values = SandboxAccount.objects.filter(pk=account.pk).values_list("rate_limited", flat=True)
    return values[0] if values else 0
