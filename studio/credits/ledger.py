"""Booking credits: charge at creation, correct once, refund once.

Plain functions over `LedgerEntry`. Every generation is charged its `cost` (credits from
the provider's table, docs/provider-contract.md §5) in the transaction that creates it; a generation
that ends FAILED (provider FAIL, cancel, a submit that could not be sent, a deadline) is
refunded its net cost exactly once. The unique constraints on `LedgerEntry` make a second
charge, correction or refund of one generation impossible, whoever calls twice.

Months are calendar months in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from studio.credits.models import Kind, LedgerEntry
from studio.generation.models import Generation

# The provider finished the job (DONE) before we failed it, e.g. our download failed: the
# credits were spent at the provider, so the charge stands.
_PROVIDER_DONE = "DONE"


def charge(generation: Generation, note: str = "") -> LedgerEntry | None:
    """Book `generation.cost` credits for a generation that was just saved.

    Call it inside the transaction that creates the generation, so the row and its charge
    exist together or not at all. A cost of 0 books nothing (returns None). `note`: where
    the cost comes from, when not the price table. Raises IntegrityError if the generation
    was already charged.
    """
    if generation.cost <= 0:
        return None
    return LedgerEntry.objects.create(
        generation=generation,
        user_id=generation.user_id,
        team_id=generation.team_id,
        model=generation.model,
        kind=Kind.CHARGE,
        credits=generation.cost,
        note=note or f"{generation.title}: {generation.cost} credits from the price table",
    )


def net(generation_id) -> int:
    """The credits booked for one generation so far (charges + corrections + refunds)."""
    return (
        LedgerEntry.objects.filter(generation_id=generation_id).aggregate(total=Sum("credits"))[
            "total"
        ]
        or 0
    )


def refunded(generation_id) -> int:
    """Credits given back for one generation (a positive number), 0 when none were."""
    credits = (
        LedgerEntry.objects.filter(generation_id=generation_id, kind=Kind.REFUND)
        .values_list("credits", flat=True)
        .first()
    )
    return -credits if credits else 0


def _locked(generation_id) -> Generation | None:
    """The generation, locked until the end of the transaction (PostgreSQL; on SQLite the
    IMMEDIATE transaction already holds the write lock), so a refund and a correction of
    one generation never read the same total."""
    return (
        Generation.objects.select_for_update()
        .filter(pk=generation_id)
        .only("pk", "user_id", "team_id", "model", "raw_message")
        .first()
    )


def refund(generation_id, reason: str = "") -> LedgerEntry | None:
    """Reverse what a failed or cancelled generation was charged, at most once.

    Books minus its net cost (charge and any correction). Idempotent: a second call, or a
    call for a generation that was never charged (cost 0, imported) books nothing and
    returns None; so does a generation the provider finished (its raw message says DONE)
    before our side failed it, since the provider spent those credits. `reason` (the
    generation's error text) is kept, shortened, as the entry's note.
    """
    with transaction.atomic():
        generation = _locked(generation_id)
        if generation is None:
            return None
        if (generation.raw_message or {}).get("status") == _PROVIDER_DONE:
            return None
        if LedgerEntry.objects.filter(generation_id=generation_id, kind=Kind.REFUND).exists():
            return None
        amount = net(generation_id)
        if amount <= 0:
            return None
        try:
            with transaction.atomic():
                return LedgerEntry.objects.create(
                    generation_id=generation_id,
                    user_id=generation.user_id,
                    team_id=generation.team_id,
                    model=generation.model,
                    kind=Kind.REFUND,
                    credits=-amount,
                    note=_short(f"Failed: {reason}" if reason else "Failed"),
                )
        except IntegrityError:  # refunded meanwhile by another process
            return None


def correct(generation: Generation, actual_credits: int, source: str) -> LedgerEntry | None:
    """Book the difference between what the provider says a job really cost and what we
    charged, once per generation.

    For providers that report a cost per job (ImagineLab's `credit_cost` on its generation
    record, docs/provider-contract.md §8; ImaginePro reports none). `source` says where the number came
    from (e.g. "ImagineLab credit_cost"). Books nothing (returns None) when the amounts
    agree, when the generation was already corrected or refunded, or for a negative
    `actual_credits` (ValueError).
    """
    if actual_credits < 0:
        raise ValueError("A cost is never negative.")
    with transaction.atomic():
        locked = _locked(generation.pk)
        if locked is None:
            return None
        booked = LedgerEntry.objects.filter(generation_id=generation.pk)
        if booked.filter(kind__in=(Kind.CORRECTION, Kind.REFUND)).exists():
            return None
        difference = actual_credits - net(generation.pk)
        if difference == 0:
            return None
        try:
            with transaction.atomic():
                return LedgerEntry.objects.create(
                    generation_id=generation.pk,
                    user_id=locked.user_id,
                    team_id=locked.team_id,
                    model=locked.model,
                    kind=Kind.CORRECTION,
                    credits=difference,
                    note=_short(f"{source}: {actual_credits} credits"),
                )
        except IntegrityError:
            return None


def month_start(when: datetime | None = None) -> datetime:
    """The first instant (UTC) of the calendar month holding `when` (default: now)."""
    when = (when or timezone.now()).astimezone(UTC)
    return datetime(when.year, when.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    """The first instant of the month after the one starting at `start`."""
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def entries(team, user=None):
    """The ledger of a workspace: a team's (optionally one member's), or, with `team`
    None, `user`'s personal one (then `user` is required)."""
    if team is None:
        if user is None:
            raise ValueError("A personal ledger needs its user.")
        return LedgerEntry.objects.filter(team__isnull=True, user=user)
    rows = LedgerEntry.objects.filter(team=team)
    return rows if user is None else rows.filter(user=user)


def spent(team, user=None, month: datetime | None = None) -> int:
    """Net credits (charges − refunds ± corrections) booked in the calendar month (UTC)
    holding `month` (default: this month): the team's, one member's in the team, or with
    `team` None the person's personal workspace. An int, possibly 0."""
    start = month_start(month)
    total = (
        entries(team, user)
        .filter(created_at__gte=start, created_at__lt=next_month(start))
        .aggregate(total=Sum("credits"))["total"]
    )
    return total or 0


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"
