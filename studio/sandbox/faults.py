"""Fault injection in the sandbox (issue 7, "Fault injection in the sandbox"), and the
progress rate limit (issue 8).

A fault (models.SandboxFault) makes the sandbox misbehave on the wire for the whole sandbox
(`account=None`) or for one sandbox account (one API key), on some requests (`on`): `submit`
(a POST that creates a job), `fetch` (message/fetch and its aliases, video fetch), `history`
(nova/images), `files` (the CDN of results) or `any` request. Faults come from the database
(`inject`, the staff console) and from settings.SANDBOX_FAULTS (whole-sandbox faults parsed
in memory, never written to the database).

Public API (other parts' tests use these names):

    inject(kind, *, account=None, on="any", remaining=None, probability=1.0, seconds=None,
           text="", note="") -> SandboxFault
    clear(account=None, *, all=False) -> int
    account_for_key(api_key) -> SandboxAccount | None
    find_account(label_or_email) -> SandboxAccount   # for people: the console's scope field
    rate_limited_count(account) -> int      # 429s the sandbox sent this account

Kinds and what happens on the wire (`seconds` in brackets where it is used):
  latency        sleep [seconds, default 1] then answer normally
  http_429       429 + `Retry-After: [seconds, default 1]` (whole seconds, rounded up) and the
                 NestJS body {"message", "error", "statusCode"}; nothing is done
  http_500       500 with the NestJS body; nothing is done (a submit creates no job)
  http_502       502 with a proxy's HTML page, like nginx in front of the API; nothing done
  reset          the TCP connection is reset (RST) without an HTTP answer; nothing is done
  read_timeout   stall [seconds, default settings.PROVIDER_TIMEOUT[1] + 1] then answer 504
                 (a gateway's HTML page); nothing is done, so a submit creates no job
  malformed_json the request is handled (a submit DOES create its job), then 200 with the
                 first half of the body: not JSON
  fail           the job is created and charged, then ends FAIL with `text` as its error
                 (default "Job failed") when it would start processing
  never_finish   the job is created and stays PROCESSING with its progress stuck; no webhook
  lost_answer    the job is created and charged, then the answer is lost: the connection is
                 reset, or with [seconds] the answer is held that long (past a read timeout)
  webhook_late / webhook_duplicate / webhook_out_of_order / webhook_never
                 chosen for jobs created while active (recorded on SandboxJob.webhook_fault):
                 the terminal webhook is sent [seconds, default 5] late, twice, followed by a
                 stale PROCESSING Message, or not at all (webhooks.py)
The job and webhook kinds (fail … webhook_never) concern submits only: `on` must be "submit"
(or "any", which is read as "submit").

How the sandbox's views use this module: each API wrapper (views.api, views.cdn) calls
`apply(request, account, on, handler)` once; it looks the matching faults up with one query,
rolls each one's probability, takes one use of `remaining` with a conditional UPDATE (so
concurrent requests never over-apply), and runs the handler or not. Per kind group at most
one fault applies: a latency, an answer fault, a job fault, a webhook fault.

Connection reset: with Django's dev server / live_server the client socket is reached
through `request.environ["wsgi.input"]`, and gunicorn puts it in `environ["gunicorn.socket"]`;
SO_LINGER 0 then closing it sends an RST. Under a server where the socket cannot be found the
sandbox answers 502 instead (and logs it).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from .models import SandboxAccount, SandboxFault, SandboxRateBucket

log = logging.getLogger(__name__)

Kind = SandboxFault.Kind
On = SandboxFault.On

KINDS = tuple(Kind.values)
ONS = tuple(On.values)
DELAY_KINDS = frozenset({Kind.LATENCY})
# Faults that answer instead of the endpoint (nothing is done) …
BEFORE_KINDS = frozenset(
    {Kind.HTTP_429, Kind.HTTP_500, Kind.HTTP_502, Kind.RESET, Kind.READ_TIMEOUT}
)
# … and faults that let the endpoint run, then spoil its answer.
AFTER_KINDS = frozenset({Kind.MALFORMED_JSON, Kind.LOST_ANSWER})
JOB_KINDS = frozenset({Kind.FAIL, Kind.NEVER_FINISH})
WEBHOOK_KINDS = frozenset(
    {Kind.WEBHOOK_LATE, Kind.WEBHOOK_DUPLICATE, Kind.WEBHOOK_OUT_OF_ORDER, Kind.WEBHOOK_NEVER}
)
SUBMIT_ONLY = JOB_KINDS | WEBHOOK_KINDS | {Kind.LOST_ANSWER}

DEFAULT_FAIL_TEXT = "Job failed"
DEFAULT_WEBHOOK_DELAY = 5.0
# A job that never finishes "ends" this far away: it is PROCESSING for any test or person.
FOREVER = timedelta(days=3650)

# What the studio should do under each kind: shown on the console page.
ADVICE = {
    Kind.LATENCY: "Slow answers: the studio waits (within its read timeout) and carries on.",
    Kind.HTTP_429: "Rate limited: wait for Retry-After, then try again; the card says so.",
    Kind.HTTP_500: "Server error: nothing was created; retry with backoff, the job is safe.",
    Kind.HTTP_502: "Bad gateway (an HTML page): nothing was created; retry with backoff.",
    Kind.RESET: "Connection reset: a submit's outcome is unknown, so look the job up by its "
    "ref in the history instead of posting again; a fetch is simply retried.",
    Kind.READ_TIMEOUT: "No answer in time: like a reset, a submit is looked up, never re-sent.",
    Kind.MALFORMED_JSON: "An answer that is not JSON: the submit may have been accepted, so "
    "look it up; a fetch is retried.",
    Kind.FAIL: "The job ends FAIL: show the provider's words and refund the credits.",
    Kind.NEVER_FINISH: "The job never ends: close it after its timeout plus a margin, with "
    "a reason a person understands.",
    Kind.LOST_ANSWER: "Accepted and charged, but the answer never arrives: find the job by "
    "its ref in the history; never submit it twice.",
    Kind.WEBHOOK_LATE: "The webhook comes late: polling finishes the job first; the late "
    "webhook changes nothing.",
    Kind.WEBHOOK_DUPLICATE: "The webhook comes twice: the second one is a no-op.",
    Kind.WEBHOOK_OUT_OF_ORDER: "A stale PROCESSING webhook after the final one: forward-only "
    "updates ignore it.",
    Kind.WEBHOOK_NEVER: "No webhook: polling, the backstop, finishes the job.",
}


# --- Creating and removing faults -----------------------------------------------------------


def _check(
    kind: str,
    on: str,
    remaining: int | None,
    probability: float,
    seconds: float | None,
) -> str:
    """Validate one fault's fields; return `on` as stored. ValueError with a sentence."""
    if kind not in KINDS:
        raise ValueError(f"Unknown fault kind {kind!r}; choose one of {', '.join(KINDS)}.")
    if on not in ONS:
        raise ValueError(f"Unknown request class on={on!r}; choose one of {', '.join(ONS)}.")
    if kind in SUBMIT_ONLY:
        if on not in (On.SUBMIT, On.ANY):
            raise ValueError(f"A {kind} fault concerns submits only: use on=submit.")
        on = On.SUBMIT
    if remaining is not None and (not isinstance(remaining, int) or remaining < 0):
        raise ValueError("remaining must be a whole number of requests, 0 or more (or empty).")
    if not 0.0 <= float(probability) <= 1.0:
        raise ValueError("probability must be between 0 and 1.")
    if seconds is not None and (float(seconds) < 0 or not math.isfinite(float(seconds))):
        raise ValueError("seconds must be 0 or more.")
    return on


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
    on = _check(kind, on, remaining, probability, seconds)
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
    from .services import _hash_key  # services imports this module

    plaintext = getattr(api_key, "api_key", api_key)
    if not isinstance(plaintext, str) or not plaintext:
        return None
    return SandboxAccount.objects.filter(key_hash=_hash_key(plaintext)).first()


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


# --- SANDBOX_FAULTS -------------------------------------------------------------------------

_env_lock = threading.Lock()
_env_cache: dict[str, list[SandboxFault]] = {}
# Per-process uses left of env faults that have `remaining` (keyed by position).
_env_left: dict[tuple[str, int], int] = {}


def parse_env(spec: str) -> list[SandboxFault]:
    """Parse a SANDBOX_FAULTS string into unsaved whole-sandbox faults.

    Format: faults separated by ";", each `kind` then `:key=value` options among on,
    remaining, probability, seconds, note, text (text last: it takes the rest, colons
    included). Example: "latency:on=submit:seconds=2;http_429:on=fetch:probability=0.2".
    Raises ImproperlyConfigured with a sentence naming the bad part.
    """
    found = []
    for number, part in enumerate(p.strip() for p in (spec or "").split(";")):
        if not part:
            continue
        kind, *options = part.split(":")
        values: dict[str, str] = {}
        for index, option in enumerate(options):
            name, sep, value = option.partition("=")
            name = name.strip()
            if name == "text" and sep:
                values["text"] = ":".join([value, *options[index + 1 :]])
                break
            if not sep or name not in ("on", "remaining", "probability", "seconds", "note"):
                raise ImproperlyConfigured(
                    f"SANDBOX_FAULTS: {option!r} in {part!r} is not one of on=, remaining=, "
                    "probability=, seconds=, note=, text= (write e.g. "
                    '"latency:on=submit:seconds=2;http_429:on=fetch:probability=0.2").'
                )
            values[name] = value.strip()
        try:
            remaining = _number(values, "remaining", int)
            probability = _number(values, "probability", float)
            seconds = _number(values, "seconds", float)
            on = _check(
                kind.strip(),
                values.get("on", "any"),
                remaining,
                1.0 if probability is None else probability,
                seconds,
            )
        except ValueError as exc:
            raise ImproperlyConfigured(f"SANDBOX_FAULTS: in {part!r}: {exc}") from exc
        fault = SandboxFault(
            kind=kind.strip(),
            on=on,
            remaining=remaining,
            probability=1.0 if probability is None else probability,
            seconds=seconds,
            text=values.get("text", ""),
            note=values.get("note", "") or "from SANDBOX_FAULTS",
        )
        fault.env_index = number
        found.append(fault)
    return found


def _number(values: dict[str, str], name: str, kind: type) -> float | int | None:
    if name not in values:
        return None
    try:
        return kind(values[name])
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {noun}, not {values[name]!r}.") from None


def env_faults() -> list[SandboxFault]:
    """The faults of settings.SANDBOX_FAULTS (parsed once per distinct value, in memory)."""
    spec = getattr(settings, "SANDBOX_FAULTS", "") or ""
    with _env_lock:
        if spec not in _env_cache:
            _env_cache[spec] = parse_env(spec)
        return _env_cache[spec]


# --- Choosing the faults of one request ------------------------------------------------------


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
        key = (settings.SANDBOX_FAULTS, fault.env_index)
        with _env_lock:
            left = _env_left.setdefault(key, fault.remaining)
            if left <= 0:
                return False
            _env_left[key] = left - 1
        return True
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
        SandboxFault.objects.filter(scope, on__in=(on, On.ANY)).filter(
            Q(remaining__isnull=True) | Q(remaining__gt=0)
        )
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


# --- Applying them --------------------------------------------------------------------------

_job_faults: contextvars.ContextVar[Plan | None] = contextvars.ContextVar(
    "sandbox_job_faults", default=None
)


def apply(
    request: HttpRequest,
    account: SandboxAccount | None,
    on: str,
    handler: Callable[[], HttpResponse],
) -> HttpResponse:
    """Answer `request` through `handler`, with the faults that match it (see the module
    docstring). For `on="fetch"` the progress rate limit is checked first."""
    if on == On.FETCH and account is not None:
        limited = check_progress_rate(account)
        if limited is not None:
            return limited
    plan = plan_for(account, on)
    if plan.delay is not None:
        time.sleep(_seconds(plan.delay, 1.0))
    answer = plan.answer
    if answer is not None and answer.kind in BEFORE_KINDS:
        return _answer_instead(request, account, answer)
    token = _job_faults.set(plan)
    try:
        response = handler()
    finally:
        _job_faults.reset(token)
    if answer is None:
        return response
    if answer.kind == Kind.MALFORMED_JSON:
        return _truncated(response)
    # lost_answer: the job exists and is charged; the caller never hears of it.
    if answer.seconds:
        time.sleep(answer.seconds)
        return response
    return _reset(request)


def _seconds(fault: SandboxFault, default: float) -> float:
    return default if fault.seconds is None else float(fault.seconds)


def _answer_instead(request: HttpRequest, account, fault: SandboxFault) -> HttpResponse:
    if fault.kind == Kind.HTTP_429:
        return too_many_requests(account, _seconds(fault, 1.0))
    if fault.kind == Kind.HTTP_500:
        return _nest_error(500, "Internal server error")
    if fault.kind == Kind.HTTP_502:
        return _gateway_page(502, "Bad Gateway")
    if fault.kind == Kind.RESET:
        return _reset(request)
    # read_timeout: stall past the client's read timeout, then a gateway gives up.
    time.sleep(_seconds(fault, float(settings.PROVIDER_TIMEOUT[1]) + 1.0))
    return _gateway_page(504, "Gateway Time-out")


def _nest_error(status: int, message: str) -> JsonResponse:
    from http import HTTPStatus

    body = {"message": message, "error": HTTPStatus(status).phrase, "statusCode": status}
    return JsonResponse(body, status=status)


def too_many_requests(account: SandboxAccount | None, retry_after: float) -> JsonResponse:
    """429 in NestJS's shape with `Retry-After` in whole seconds; counted on the account."""
    response = _nest_error(429, "Too Many Requests")
    response["Retry-After"] = str(max(0, math.ceil(retry_after)))
    if account is not None:
        SandboxAccount.objects.filter(pk=account.pk).update(rate_limited=F("rate_limited") + 1)
    return response


def _gateway_page(status: int, reason: str) -> HttpResponse:
    """What nginx in front of an API answers: a small HTML page, not JSON."""
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return HttpResponse(page, status=status, content_type="text/html")


def _truncated(response: HttpResponse) -> HttpResponse:
    """200 with the first half of the answer's bytes (at least "{"): not JSON any more."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        if hasattr(response, "close"):
            response.close()
    else:
        content = response.content
    body = content[: len(content) // 2] or b"{"
    return HttpResponse(body, status=200, content_type=response.get("Content-Type"))


def _find_socket(request: HttpRequest) -> socket.socket | None:
    """The client connection under this request, if the server lets us reach it."""
    environ = request.environ
    found = environ.get("gunicorn.socket")
    if isinstance(found, socket.socket):
        return found
    # Django's dev server / live_server: LimitedStream(rfile) → BufferedReader → SocketIO.
    stream = environ.get("wsgi.input")
    for _ in range(6):
        if stream is None or isinstance(stream, socket.socket):
            break
        reader = getattr(stream, "_read", None)
        stream = (
            getattr(reader, "__self__", None)
            or getattr(stream, "raw", None)
            or getattr(stream, "_sock", None)
            or getattr(stream, "stream", None)
        )
    return stream if isinstance(stream, socket.socket) else None


def _reset(request: HttpRequest) -> HttpResponse:
    """Reset the client's TCP connection (RST, no HTTP answer) and return a response that
    goes nowhere; if the socket cannot be reached, a 502 instead."""
    sock = _find_socket(request)
    # Read the body now: the server drains unread bytes afterwards, from a dead socket. A body
    # too big is dropped with the connection anyway.
    with contextlib.suppress(Exception):
        request.body  # noqa: B018
    if sock is None:
        log.warning("sandbox fault: cannot reach the socket to reset it; answering 502")
        return _gateway_page(502, "Bad Gateway")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        # Put an unconnected socket on the same descriptor: dup2 closes the connection (an RST,
        # given SO_LINGER 0) while the server keeps a valid descriptor to write to and close;
        # its write then fails as a broken pipe, which the server ignores.
        spare = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            os.dup2(spare.fileno(), sock.fileno())
        finally:
            spare.close()
    except OSError:
        log.warning("sandbox fault: resetting the connection failed; answering 502")
        return _gateway_page(502, "Bad Gateway")
    # No Content-Length: the dev server then closes the connection after this answer instead
    # of reading a next request from the dead socket.
    return StreamingHttpResponse(iter([b""]), status=200)


# --- Job and webhook faults, used by services.create_job ------------------------------------


def shape_job(timeline, *, now: datetime) -> tuple[object, dict]:
    """The job faults of the current request applied to a planned Timeline (lifecycle.py):
    return (timeline, extra SandboxJob fields). Outside a request with faults, unchanged."""
    plan = _job_faults.get()
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
            delay = _seconds(plan.webhook, DEFAULT_WEBHOOK_DELAY)
            fields["webhook_hold_until"] = timeline.ends_at + timedelta(seconds=delay)
        elif plan.webhook.kind == Kind.WEBHOOK_NEVER:
            fields["webhook_sent_at"] = now
            fields["webhook_error"] = "not sent: sandbox fault webhook_never"
    return timeline, fields


# --- Progress rate limit --------------------------------------------------------------------

BUCKETS_PER_SECOND = 10


def check_progress_rate(account: SandboxAccount) -> JsonResponse | None:
    """Count one progress request of `account`; None if it is within
    settings.SANDBOX_PROGRESS_RATE per sliding second (0 = no limit), else the 429 to send.

    The window is the current 100 ms bucket plus the nine before it (0.9–1 s), counted in
    SandboxRateBucket with one upsert statement that also sums the nine older buckets, so
    every thread and process shares it. Each request counts, refused ones too.
    """
    rate = int(getattr(settings, "SANDBOX_PROGRESS_RATE", 10) or 0)
    if rate <= 0:
        return None
    bucket = int(time.time() * BUCKETS_PER_SECOND)
    table = connection.ops.quote_name(SandboxRateBucket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (account_id, bucket, count) VALUES (%s, %s, 1) "
            "ON CONFLICT (account_id, bucket) DO UPDATE SET count = "
            f"{table}.count + 1 RETURNING count, (SELECT COALESCE(SUM(count), 0) FROM {table} "
            "WHERE account_id = %s AND bucket > %s AND bucket < %s)",
            [account.pk, bucket, account.pk, bucket - BUCKETS_PER_SECOND, bucket],
        )
        current, older = cursor.fetchone()
        if current == 1:  # first request of a new bucket: forget buckets out of the window
            SandboxRateBucket.objects.filter(
                account=account, bucket__lte=bucket - BUCKETS_PER_SECOND
            ).delete()
    if current + older <= rate:
        return None
    # The oldest bucket leaves the window within a second at most.
    return too_many_requests(account, 1.0)
