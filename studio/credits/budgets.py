"""Monthly caps: a team's and each member's, checked before anything is queued.

`Team.monthly_cap` and `Membership.monthly_cap` are credits per calendar month (UTC); None
means no cap. The personal workspace has none. `check` runs in `generation_create`, inside
the transaction that saves the generation and books its charge, so two submits at the same
moment cannot both squeeze under a cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from studio.credits import ledger
from studio.generation.errors import GenerationError
from studio.generation.models import Generation, Status
from studio.teams.models import Membership, Role, Team


class BudgetExceeded(GenerationError):
    """A submit that would pass a monthly cap; the message names the cap, the spend, the
    cost and who can raise it. Nothing was stored, queued or sent."""


@dataclass(frozen=True)
class Budget:
    """One cap and this month's spend against it (credits)."""

    cap: int | None
    spent: int

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.spent)

    @property
    def percent(self) -> int | None:
        """Share of the cap spent, 0–100, for a meter; None without a cap."""
        if self.cap is None:
            return None
        if self.cap == 0:
            return 100
        return min(100, max(0, round(100 * self.spent / self.cap)))

    def allows(self, cost: int) -> bool:
        return self.cap is None or self.spent + cost <= self.cap


@dataclass(frozen=True)
class Held:
    """Credits charged this month to jobs whose submit answer was lost and that are still
    being looked up (SUBMITTING with `outcome_unknown_at`, studio.generation.lookup): they
    come back by each job's `deadline_at` if the provider never received the job."""

    credits: int = 0
    jobs: list[Generation] = field(default_factory=list)  # soonest deadline first


def held(team: Team, user=None) -> Held:
    """What outcome-unknown jobs hold of this month's spend: the team's, or one member's in
    the team (two queries)."""
    start = ledger.month_start()
    by_job = dict(
        ledger.entries(team, user)
        .filter(
            created_at__gte=start,
            created_at__lt=ledger.next_month(start),
            generation__status=Status.SUBMITTING,
            generation__outcome_unknown_at__isnull=False,
        )
        .values("generation_id")
        .annotate(total=Sum("credits"))
        .values_list("generation_id", "total")
        .order_by()
    )
    by_job = {job: credits for job, credits in by_job.items() if credits > 0}
    if not by_job:
        return Held()
    jobs = list(Generation.objects.filter(pk__in=by_job).order_by("deadline_at", "created_at"))
    return Held(credits=sum(by_job.values()), jobs=jobs)


def owner_names(team: Team) -> list[str]:
    """The usernames of the team's owners, in order of joining (they can raise caps)."""
    return list(
        Membership.objects.filter(team=team, role=Role.OWNER)
        .order_by("joined_at")
        .values_list("user__username", flat=True)
    )


def team_budget(team: Team) -> Budget:
    return Budget(cap=team.monthly_cap, spent=ledger.spent(team))


def member_budget(membership: Membership) -> Budget:
    return Budget(
        cap=membership.monthly_cap, spent=ledger.spent(membership.team, membership.user_id)
    )


def check(*, user, team_id, cost: int) -> None:
    """Refuse a submit of `cost` credits by `user` in the team `team_id` that would pass
    the member's or the team's monthly cap. Raises BudgetExceeded (a GenerationError);
    returns None when it fits, costs nothing, or in the personal workspace (`team_id` None).

    Must run inside `transaction.atomic()` (it raises otherwise): the member's row and the
    team's are locked (`select_for_update` over the join; SQLite's IMMEDIATE transactions
    serialize writers anyway), so the spend read here stays true until the charge is
    booked in the same transaction, for the member's cap and the team's alike.
    """
    if team_id is not None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("budgets.check must run inside the transaction that books the charge")
    sentence = _over(user, team_id, cost, lock=True)
    if sentence:
        raise BudgetExceeded(sentence)


def refusal(*, user, provider_key, cost: int) -> str | None:
    """For a form, before anything else is done (an upload stored, a free provider check):
    the sentence `check` would raise for spending `cost` credits with `provider_key`, or
    None when it fits. Reads without locking; `generation_create` checks again for real."""
    return _over(user, provider_key.team_id, cost, lock=False)


def _over(user, team_id, cost: int, *, lock: bool) -> str | None:
    """The refusal for spending `cost` in the team, or None when it fits."""
    if team_id is None or cost <= 0:
        return None
    members = Membership.objects.select_for_update() if lock else Membership.objects
    membership = members.select_related("team").filter(team_id=team_id, user=user).first()
    if membership is None:
        return None  # access rules (key_usable) refuse strangers
    team = membership.team
    member = member_budget(membership)
    if not member.allows(cost):
        which = f"your monthly cap in {team.name}"
        return _refusal(which, member, cost, owner_names(team), lambda: held(team, user))
    whole = team_budget(team)
    if not whole.allows(cost):
        which = f"the monthly cap of {team.name}"
        return _refusal(which, whole, cost, owner_names(team), lambda: held(team))
    return None


def _refusal(which: str, budget: Budget, cost: int, owners: list[str], holding) -> str:
    """The sentence; when the job would fit but for credits held by outcome-unknown jobs
    (`holding()`, a Held), it says so and links those jobs (then HTML, a SafeString)."""
    who = f"A team owner ({', '.join(owners)})" if owners else "A team owner"
    spent = f"{budget.spent} of {budget.cap} credits spent this month, and this costs {cost}."
    hold = holding()
    if not hold.credits or budget.spent - hold.credits + cost > budget.cap:
        return f"This would pass {which}: {spent} {who} can raise it."
    return format_html(
        "This would pass {}: {} {} {} can raise it, or wait for that check.",
        which,
        spent,
        _held_sentence(hold),
        who,
    )


def _named(job: Generation) -> str:
    """'Flux “a cabin in the woods”': what the job was, as a link's words (plain text)."""
    prompt = Truncator(" ".join(job.prompt.split())).chars(40)
    return f"{job.title} “{prompt}”" if prompt else job.title


def _held_sentence(hold: Held) -> SafeString:
    """'10 credits are held by a job whose outcome we are still checking (Midjourney “a
    lighthouse”); if the provider never received it, they come back within 12 minutes.'
    with each job linked to its detail page."""
    several = len(hold.jobs) > 1
    links = format_html_join(
        ", ", '<a href="{}">{}</a>', ((job.get_absolute_url(), _named(job)) for job in hold.jobs)
    )
    last = max((job.deadline_at for job in hold.jobs if job.deadline_at), default=None)
    seconds = (last - timezone.now()).total_seconds() if last else 0
    minutes = max(1, math.ceil(seconds / 60))
    return format_html(
        "{} held by {} whose outcome we are still checking ({}); if the provider "
        "never received {}, they come back within {} minute{}.",
        f"{hold.credits} credits are" if hold.credits != 1 else "1 credit is",
        f"{len(hold.jobs)} jobs" if several else "a job",
        links,
        "them" if several else "it",
        minutes,
        "s" if minutes != 1 else "",
    )


@dataclass(frozen=True)
class MemberRow:
    """A member on the budgets page: their membership, cap and this month's spend."""

    membership: Membership
    budget: Budget


def member_rows(team: Team) -> list[MemberRow]:
    """Every member of `team` with this month's spend, in two queries (members; one
    grouped sum of the month's ledger)."""
    start = ledger.month_start()
    spent_by_user = dict(
        ledger.entries(team)
        .filter(created_at__gte=start, created_at__lt=ledger.next_month(start))
        .values("user_id")
        .annotate(total=Sum("credits"))
        .values_list("user_id", "total")
        .order_by()
    )
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    return [
        MemberRow(m, Budget(cap=m.monthly_cap, spent=spent_by_user.get(m.user_id) or 0))
        for m in members
    ]


def caps_set(*, team: Team, team_cap: int | None, member_caps: dict[int, int | None]) -> None:
    """Save the team's monthly cap and its members' (membership id → cap; None: no cap).

    Only memberships of `team` are changed; ids of other teams are ignored. The caller
    checks that the person is an owner (studio.teams.access MANAGE).
    """
    with transaction.atomic():
        Team.objects.filter(pk=team.pk).update(monthly_cap=team_cap)
        team.monthly_cap = team_cap
        for membership in Membership.objects.select_for_update().filter(
            team=team, pk__in=member_caps
        ):
            cap = member_caps[membership.pk]
            if membership.monthly_cap != cap:
                membership.monthly_cap = cap
                membership.save(update_fields=["monthly_cap"])
