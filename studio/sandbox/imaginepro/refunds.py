"""The simulated ImaginePro gives back what a failed job cost: a moderation refusal, a
cancel, a timeout or an injected FAIL, once each, when the failure is due.

Whether the real provider refunds a `FAIL` is not published (docs/provider-contract.md §5).
The sandbox refunds, as its ImagineLab does (imaginelab/services.settle), so that its balance
follows the studio's ledger, which reverses a failed job's charge: the header's balance, the
Usage page and a card's "refunded" then tell one story. Jobs keep their state in time, not in
rows, so refunds are settled whenever the balance is read or needed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F

from .. import clock
from ..models import SandboxAccount, SandboxJob


def settle(account_id: int, now: datetime | None = None) -> int:
    """Refund the account's jobs that have failed by `now` and were not refunded yet; the
    `refunded` flag is set by a conditional UPDATE in the same transaction as the credit, so
    two readers never refund one job twice. Returns the credits given back."""
    now = now or clock.now()
    due = SandboxJob.objects.filter(
        account_id=account_id,
        outcome=SandboxJob.Outcome.FAIL,
        refunded=False,
        ends_at__lte=now,
        cost__gt=0,
    ).values_list("pk", "cost")
    given = 0
    for pk, cost in list(due):
        with transaction.atomic():
            if SandboxJob.objects.filter(pk=pk, refunded=False).update(refunded=True):
                SandboxAccount.objects.filter(pk=account_id).update(credits=F("credits") + cost)
                given += cost
    return given
