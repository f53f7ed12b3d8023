"""Choosing the faults of one request (at most one per group), and the job and webhook
faults that shape the job a submit creates."""

from __future__ import annotations

import contextvars
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q

from ..models import SandboxAccount, SandboxFault
from .env import env_faults, take_use
from .kinds import (
    AFTER_KINDS,
    BEFORE_KINDS,
    DEFAULT_FAIL_TEXT,
    DEFAULT_WEBHOOK_DELAY,
    DELAY_KINDS,
    FOREVER,
    JOB_KINDS,
    Kind,
    On,
    Provider,
)


@dataclass
class Plan:
    """The faults that apply to one request, at most one per group."""

    delay: SandboxFault | None = None
    answer: SandboxFault | None = None
    job: SandboxFault | None = None
    webhook: SandboxFault | None = None


def _take(fault: SandboxFault) -> bool:
    """Roll the fault's probability and take one of its `remaining` uses; True if it applies."""
    if fault.probability < 1.0 and random.random() >= fault.probability:
        return False
    if fault.remaining is None:
        return True
    if fault.pk is None:  # from SANDBOX_FAULTS: counted in this process
        return take_use(fault)
    # Conditional: two requests racing for the last use cannot both get it.
    return bool(
        SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
    )


def plan_for(account: SandboxAccount | None, on: str) -> Plan:
    """The faults for a request of class `on` by `account` (None: unauthenticated), with one
    database query: the account's own faults first, then the whole sandbox's, then the env's."""
    scope = Q(account__isnull=True)
    if account is not None:
        scope |= Q(account=account)
    stored = list(
        SandboxFault.objects.filter(
            scope, provider=Provider.IMAGINEPRO, on__in=(on, On.ANY)
        ).filter(Q(remaining__isnull=True) | Q(remaining__gt=0))
    )
    stored.sort(key=lambda f: (f.account_id is None, f.created_at, f.pk))
    candidates = stored + [f for f in env_faults() if f.on in (on, On.ANY)]
    plan = Plan()
    for fault in candidates:
        if fault.kind in DELAY_KINDS:
            group = "delay"
        elif fault.kind in BEFORE_KINDS or fault.kind in AFTER_KINDS:
            group = "answer"
        elif fault.kind in JOB_KINDS:
            group = "job"
        else:
            group = "webhook"
        if getattr(plan, group) is None and _take(fault):
            setattr(plan, group, fault)
    return plan


# The plan of the request being handled, read by shape_job while the endpoint runs.
job_faults: contextvars.ContextVar[Plan | None] = contextvars.ContextVar(
    "sandbox_job_faults", default=None
)


def seconds_of(fault: SandboxFault, default: float) -> float:
    """The fault's `seconds`, or `default` when it has none."""
    return default if fault.seconds is None else float(fault.seconds)


def shape_job(timeline, *, now: datetime) -> tuple[object, dict]:
    """The job faults of the current request applied to a planned Timeline (lifecycle.py):
    return (timeline, extra SandboxJob fields). Outside a request with faults, unchanged."""
    plan = job_faults.get()
    if plan is None:
        return timeline, {}
    fields: dict = {}
    if plan.job is not None and plan.job.kind == Kind.FAIL:
        timeline = type(timeline)(
            timeline.processing_at,
            timeline.done_at,
            timeline.processing_at,
            "FAIL",
            plan.job.text or DEFAULT_FAIL_TEXT,
        )
    elif plan.job is not None and plan.job.kind == Kind.NEVER_FINISH:
        forever = now + FOREVER
        timeline = type(timeline)(timeline.processing_at, forever, forever, "DONE", "")
    if plan.webhook is not None:
        fields["webhook_fault"] = plan.webhook.kind
        if plan.webhook.kind == Kind.WEBHOOK_LATE:
            delay = seconds_of(plan.webhook, DEFAULT_WEBHOOK_DELAY)
            fields["webhook_hold_until"] = timeline.ends_at + timedelta(seconds=delay)
        elif plan.webhook.kind == Kind.WEBHOOK_NEVER:
            fields["webhook_sent_at"] = now
            fields["webhook_error"] = "not sent: sandbox fault webhook_never"
    return timeline, fields
