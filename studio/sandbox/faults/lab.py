"""Faults of the simulated ImagineLab API (https://api.imagineview.art, docs/provider-contract.md
§8): what the staff page injects with provider "imaginelab", and the answers they send.

Request classes (`on`): "submit" (POST generations), "fetch" (GET one generation or its
status), "history" (GET generations), "files" (output files); the other routes (wallet,
packages, models, auth/me) are matched by "any" faults only. Kinds:

  latency        sleep [seconds, default 1], then answer normally
  http_429       429 `{"detail": "Rate limit exceeded"}` + `Retry-After: [seconds, default 1]`
  http_500       500 "Internal Server Error" as plain text (FastAPI's unhandled error)
  http_502       502 with a proxy's HTML page
  token_expired  the sign-in token used expires now: 401 "Could not validate credentials"
                 with `WWW-Authenticate: Bearer`; signing in again gives a working token.
                 Requests made with an API key (which does not expire) are not matched.
  fail           the generation is created and charged, then fails with `text` (default "Job
                 failed") a little into processing; ImagineLab refunds it then
  wallet_402     the wallet reads at most `credits`; a generation costing more answers 402
                 "Insufficient credits" and nothing is created (each 402 uses one of
                 `remaining`); one that fits is created and charged as usual

Nothing here imports the ImagineLab simulator: its views call `plan`, `answer_instead`,
`wallet_level` and `wallet_refuses` (studio/sandbox/imaginelab/views.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.http import HttpResponse

from .. import clock
from ..models import SandboxFault, SandboxLabAccount, SandboxLabToken
from .answers import gateway_page
from .kinds import DEFAULT_FAIL_TEXT, Kind, On, Provider
from .plan import _take, seconds_of

RATE_LIMITED = "Rate limit exceeded"
EXPIRED = "Could not validate credentials"


@dataclass
class LabPlan:
    """The faults that apply to one ImagineLab request, at most one per group. `wallet` is
    found, not yet taken: it is used only when it refuses a generation."""

    delay: SandboxFault | None = None
    answer: SandboxFault | None = None
    job: SandboxFault | None = None
    wallet: SandboxFault | None = None

    @property
    def fail_text(self) -> str:
        """The error a generation created under a `fail` fault ends with ("" if none)."""
        return (self.job.text or DEFAULT_FAIL_TEXT) if self.job is not None else ""


def _active(account: SandboxLabAccount | None, ons: tuple[str, ...]):
    scope = Q(lab_account__isnull=True)
    if account is not None:
        scope |= Q(lab_account=account)
    faults = list(
        SandboxFault.objects.filter(scope, provider=Provider.IMAGINELAB, on__in=ons).filter(
            Q(remaining__isnull=True) | Q(remaining__gt=0)
        )
    )
    # The account's own faults first, then the whole sandbox's, oldest first.
    faults.sort(key=lambda f: (f.lab_account_id is None, f.created_at, f.pk))
    return faults


def plan(account: SandboxLabAccount | None, on: str | None, *, via_token: bool) -> LabPlan:
    """The faults for a request of class `on` (None: a route only "any" matches) by
    `account`; `via_token`: it was signed with a sign-in token (not an API key)."""
    ons = (On.ANY,) if on is None else (on, On.ANY)
    found = LabPlan()
    for fault in _active(account, ons):
        if fault.kind == Kind.WALLET_402:
            found.wallet = found.wallet or fault
            continue
        if fault.kind == Kind.TOKEN_EXPIRED and not via_token:
            continue
        group = {Kind.LATENCY: "delay", Kind.FAIL: "job"}.get(fault.kind, "answer")
        if getattr(found, group) is None and _take(fault):
            setattr(found, group, fault)
    return found


def answer_instead(fault: SandboxFault, token_id: int | None) -> HttpResponse:
    """The answer of an "answer" fault, in FastAPI's shapes; a token_expired fault expires
    the sign-in token `token_id` first, so the next request with it is refused too."""
    if fault.kind == Kind.HTTP_429:
        response = _detail(429, RATE_LIMITED)
        response["Retry-After"] = str(max(0, math.ceil(seconds_of(fault, 1.0))))
        return response
    if fault.kind == Kind.TOKEN_EXPIRED:
        if token_id is not None:
            SandboxLabToken.objects.filter(pk=token_id).update(
                expires_at=clock.now() - timedelta(seconds=1)
            )
        response = _detail(401, EXPIRED)
        response["WWW-Authenticate"] = "Bearer"
        return response
    if fault.kind == Kind.HTTP_502:
        return gateway_page(502, "Bad Gateway")
    return HttpResponse("Internal Server Error", status=500, content_type="text/plain")


def _detail(status: int, detail: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail}), status=status, content_type="application/json"
    )


def wallet_level(account: SandboxLabAccount) -> int | None:
    """The lowest wallet level of the wallet faults active for `account` (its own and the
    whole sandbox's), or None; reading it uses nothing."""
    levels = [f.credits for f in _active(account, (On.SUBMIT, On.ANY)) if f.kind == Kind.WALLET_402]
    levels = [level for level in levels if level is not None]
    return min(levels) if levels else None


def wallet_refuses(found: LabPlan, cost: int) -> bool:
    """True when the plan's wallet fault refuses a generation of `cost` credits (its level
    is lower, and one of its uses is taken)."""
    fault = found.wallet
    return fault is not None and cost > (fault.credits or 0) and _take(fault)
