"""Webhook delivery: POST the final Message to `webhookOverride`, exactly once.

docs/provider-contract.md §1.6: the payload is the Message object; signing, retries and intermediate
events are undocumented, so the sandbox sends the terminal Message (DONE or FAIL) once and
records, but otherwise ignores, a failed delivery.

A daemon timer started at submit fires when the job ends and sends that job's webhook; every
API request also sweeps as a backstop (a timer dies with its process), for jobs left late,
from one thread per process at a time. A conditional UPDATE on `webhook_sent_at IS NULL` claims
each job, so concurrent timers and sweeps in several processes send it once. (A timer that
swept every due job made 100 jobs ending together claim each job three times over, every
claim a write in the database the studio shares here.)
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Q

from studio.web.outbound import FetchError, open_url, origin_of, trusted_result_origins

from .. import clock
from ..models import SandboxJob
from .payloads import message_payload

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 5  # seconds per delivery
# The request-path backstop only takes jobs this late, leaving fresh ones to their timer.
BACKSTOP_GRACE = timedelta(seconds=2)
BATCH = 50


# A job ending further away than this gets no timer (a never-finishing job, faults/): the
# request-path backstop sends its webhook if it ever ends (a Cancel Job).
TIMER_HORIZON = timedelta(days=1)


def schedule_delivery(job: SandboxJob) -> None:
    """After the submit commits, start a daemon timer that sweeps when `job` ends (or when
    its webhook_late fault lets it go)."""
    if not job.webhook_url or job.held_at or job.webhook_sent_at:
        # Held in a paused queue: scheduled again when released. Already sent, or not to
        # be sent (webhook_never fault): nothing to do.
        return
    due_at = max(job.ends_at, job.webhook_hold_until or job.ends_at)
    if due_at - clock.now() > TIMER_HORIZON:
        return
    pk = job.pk

    def start() -> None:
        delay = max(0.0, (due_at - clock.now()).total_seconds()) + 0.05
        timer = threading.Timer(delay, _sweep_in_thread, kwargs={"only": pk})
        timer.daemon = True
        timer.start()

    transaction.on_commit(start)


def _due(now, *, grace: timedelta = timedelta(0)):
    return (
        SandboxJob.objects.filter(webhook_sent_at__isnull=True, ends_at__lte=now - grace)
        .filter(Q(webhook_hold_until__isnull=True) | Q(webhook_hold_until__lte=now - grace))
        .exclude(webhook_url="")
    )


def deliver_due_webhooks(*, only=None) -> int:
    """Send every due, unsent webhook (or only job `only`'s, if due and unsent: its
    timer); return how many this call claimed and sent."""
    now = clock.now()
    sent = 0
    due = _due(now) if only is None else _due(now).filter(pk=only)
    for pk in list(due.order_by("ends_at").values_list("pk", flat=True)[:BATCH]):
        claimed = SandboxJob.objects.filter(pk=pk, webhook_sent_at__isnull=True).update(
            webhook_sent_at=now
        )
        if not claimed:
            continue  # another sweep got it
        job = SandboxJob.objects.select_related("parent").get(pk=pk)
        payload = message_payload(job, base_url=job.base_url, now=clock.now())
        status, error = _post(job, payload)
        # Injected webhook faults (faults/): a second, identical delivery, or a stale
        # PROCESSING Message after the terminal one.
        if job.webhook_fault == "webhook_duplicate":
            _post(job, payload)
        elif job.webhook_fault == "webhook_out_of_order":
            _post(job, _stale_payload(job, payload))
        SandboxJob.objects.filter(pk=pk).update(webhook_status=status, webhook_error=error)
        sent += 1
    return sent


def trusted_webhook_origins() -> list[str]:
    """Where a webhook may be POSTed although its address is internal: the origins of
    settings.OUTBOUND_TRUSTED_ORIGINS when it is set; otherwise those trusted for result
    links (studio.web.outbound.trusted_result_origins: the studio's own origins while the
    sandbox is on) plus the origin of WEBHOOK_BASE_URL, the studio's own receiver that every
    sandbox key's `webhookOverride` is built from (docs/architecture.md "Outbound fetches")."""
    trusted = trusted_result_origins()
    if getattr(settings, "OUTBOUND_TRUSTED_ORIGINS", None) is not None:
        return trusted
    own = origin_of(getattr(settings, "WEBHOOK_BASE_URL", "") or "")
    return list(dict.fromkeys([*trusted, *([own] if own else [])]))


def _post(job: SandboxJob, payload: dict) -> tuple[int | None, str]:
    """POST `payload` to the job's webhook through the studio's guarded fetcher
    (studio.web.outbound: an internal address only under trusted_webhook_origins(), no
    redirect followed): (HTTP status or None, error text or "")."""
    try:
        with open_url(
            job.webhook_url,
            method="POST",
            body=json.dumps(payload).encode(),
            trusted=trusted_webhook_origins(),
            headers={"User-Agent": "ImaginePro-Sandbox/1.0", "Content-Type": "application/json"},
            timeout=(WEBHOOK_TIMEOUT, WEBHOOK_TIMEOUT),
            max_redirects=0,
        ) as response:
            return response.status, ""
    except FetchError as exc:
        log.info("sandbox webhook for %s not delivered: %s", job.pk, exc)
        return None, f"{type(exc).__name__}: {exc}"[:1000]


def _stale_payload(job: SandboxJob, final: dict) -> dict:
    """The Message as it was halfway through processing: PROCESSING, no files, no buttons."""
    middle = job.processing_at + (job.ends_at - job.processing_at) / 2
    stale = message_payload(job, base_url=job.base_url, now=middle)
    if stale["status"] in ("DONE", "FAIL"):  # a job that ended at once: make it mid-way
        stale.update(progress=50, uri=None, originalUrl=None, images=[], error=None)
        stale.update(buttons=[], updatedAt=final["createdAt"])
    stale["status"] = "PROCESSING"
    stale["progress"] = max(1, min(99, stale["progress"] or 50))
    return stale


_sweeping = threading.Lock()  # held by this process's one backstop sweep


def sweep_backstop() -> None:
    """Cheap check on every API request; sends late webhooks in a daemon thread so the
    request does not wait for somebody else's receiver. While that thread runs, later
    requests start no other (it sends every late one)."""
    if _sweeping.locked() or not _due(clock.now(), grace=BACKSTOP_GRACE).exists():
        return
    if _sweeping.acquire(blocking=False):
        try:
            sweep = threading.Thread(target=_sweep_in_thread, kwargs={"lock": _sweeping})
            sweep.daemon = True
            sweep.start()
        except BaseException:  # no thread (out of them): the next request tries again
            _sweeping.release()
            raise


def _sweep_in_thread(*, only=None, lock: threading.Lock | None = None) -> None:
    try:
        close_old_connections()
        deliver_due_webhooks(only=only)
    except Exception:  # a timer thread has nobody to report to
        log.exception("sandbox webhook sweep failed")
    finally:
        connections.close_all()
        if lock is not None:
            lock.release()
