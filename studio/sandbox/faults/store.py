"""Storing and removing faults, and finding the sandbox account a fault is for."""

from __future__ import annotations

from ..keys import hash_key
from ..models import SandboxAccount, SandboxFault, SandboxLabAccount
from .kinds import Provider, check_fields


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
    provider: str = Provider.IMAGINEPRO,
    lab_account: SandboxLabAccount | None = None,
    credits: int | None = None,
) -> SandboxFault:
    """Store a fault and return it; it applies from the next request (any process).

    `provider`: "imaginepro" (default) or "imaginelab"; a `lab_account` implies ImagineLab.
    `account`: a SandboxAccount (see `account_for_key`), `lab_account` a SandboxLabAccount
    (see `find_lab_account`), or None for that provider's whole sandbox. `credits`: the
    wallet level of an ImagineLab "wallet_402" fault.
    Raises ValueError (a sentence) for a kind or `on` the provider does not have, a
    job/webhook/wallet kind on requests other than submits, probability outside 0–1,
    negative remaining or seconds, a wallet fault without its level.
    """
    if lab_account is not None:
        provider = Provider.IMAGINELAB
    if provider == Provider.IMAGINELAB and account is not None:
        raise ValueError("An ImagineLab fault is for an ImagineLab sandbox account.")
    on = check_fields(kind, on, remaining, probability, seconds, provider=provider, credits=credits)
    return SandboxFault.objects.create(
        provider=provider,
        kind=kind,
        account=account,
        lab_account=lab_account,
        credits=None if credits is None else int(credits),
        on=on,
        remaining=remaining,
        probability=float(probability),
        seconds=None if seconds is None else float(seconds),
        text=text,
        note=note[:200],
    )


def clear(account: SandboxAccount | None = None, *, all: bool = False) -> int:  # noqa: A002
    """Remove the ImaginePro faults of `account` (None: the whole-sandbox ones), or every
    stored fault of both providers with `all=True`; return how many were removed. Faults
    from SANDBOX_FAULTS stay."""
    faults = SandboxFault.objects.all()
    if not all:
        faults = faults.filter(provider=Provider.IMAGINEPRO, account=account)
    return faults.delete()[0]


def find_lab_account(email: str) -> SandboxLabAccount:
    """The ImagineLab sandbox account with this email (as shown on the key's page); ValueError
    with a sentence when there is none."""
    wanted = (email or "").strip()
    if not wanted:
        raise ValueError("Give the ImagineLab sandbox account's email.")
    found = SandboxLabAccount.objects.filter(email__iexact=wanted).first()
    if found is None:
        raise ValueError(f"No ImagineLab sandbox account has the email “{wanted}”.")
    return found


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
