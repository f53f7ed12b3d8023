"""ImagineLab sandbox logic: accounts, sign-in tokens and API keys, the rate limit, the wallet,
and generations with their clock-driven lifecycle (https://api.imagineview.art; docs/provider-contract.md §8).

Errors are LabError, answered by the views as FastAPI does: `{"detail": "..."}`, or for a
validation error (422) a list of `{"loc", "msg", "type"}`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F, Q

from .. import clock
from ..prompts import find_banned_word, seed_from_id
from . import catalog, outputs
from .models import SandboxLabAccount, SandboxLabGeneration, SandboxLabToken

TOKEN_PREFIX = "labtok_"
KEY_PREFIX = "lab-sk-"
INCORRECT_LOGIN = "Incorrect email or password"
BAD_CREDENTIALS = "Could not validate credentials"
NOT_FOUND = "Generation not found"
RATE_LIMITED = "Rate limit exceeded"

# Seconds at SANDBOX_TIME_SCALE = 1.0: (pending, processing). ImagineLab's documented example polls every 2 s.
DURATIONS = {
    "text": (1.0, 3.0),
    "voice": (1.0, 5.0),
    "image": (2.0, 8.0),
    "infographic": (2.0, 8.0),
    "music": (2.0, 12.0),
    "video": (3.0, 24.0),
}
FAIL_AT = 0.3  # a failing generation fails this far into processing

# https://api.imagineview.art does not list packages; these are the sandbox's.
PACKAGES = [
    {"id": 1, "name": "Starter", "credits": 100, "price": "9.00", "currency": "USD"},
    {"id": 2, "name": "Creator", "credits": 500, "price": "39.00", "currency": "USD"},
    {"id": 3, "name": "Studio", "credits": 2000, "price": "129.00", "currency": "USD"},
]


class LabError(Exception):
    """An error answer: `status` and `detail` (a string, or a 422 list), extra `headers`."""

    def __init__(self, status: int, detail, headers: dict | None = None):
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def field_error(*problems: tuple[str, str, str]) -> LabError:
    """422 with FastAPI's list: (where in the body, message, type) per problem."""
    return LabError(
        422,
        [
            {"loc": ["body", where], "msg": message, "type": kind}
            for where, message, kind in problems
        ],
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _unauthorized(detail: str = BAD_CREDENTIALS) -> LabError:
    return LabError(401, detail, {"WWW-Authenticate": "Bearer"})


# --- accounts and credentials -----------------------------------------------------------------


def account_create(
    *, email: str, password: str, full_name: str = "", credits: int | None = None
) -> SandboxLabAccount:
    """A new account with `credits` (default settings.SANDBOX_STARTING_CREDITS). 400 "Email
    already registered" when the email is taken (case-insensitive)."""
    email = email.strip().lower()
    if SandboxLabAccount.objects.filter(email__iexact=email).exists():
        raise LabError(400, "Email already registered")
    if credits is None:
        credits = settings.SANDBOX_STARTING_CREDITS
    return SandboxLabAccount.objects.create(
        email=email, full_name=full_name[:200], password=make_password(password), credits=credits
    )


def api_key_issue(account: SandboxLabAccount) -> str:
    """Give the account a (new) dedicated API key and return it; only its sha256 is kept."""
    api_key = KEY_PREFIX + secrets.token_hex(20)
    SandboxLabAccount.objects.filter(pk=account.pk).update(
        api_key_hash=_hash(api_key), api_key_last4=api_key[-4:]
    )
    account.api_key_hash, account.api_key_last4 = _hash(api_key), api_key[-4:]
    return api_key


def sandbox_lab_account_create(
    *, label: str = "", credits: int | None = None
) -> tuple[str, str, str]:
    """Create a sandbox ImagineLab account without anyone typing an email (the studio's "Use
    the ImagineLab sandbox"): returns (email, password, api_key). The email is
    `lab-<hex>@sandbox.invalid`; sign in with it and the password, or use the API key as a
    bearer token. Only hashes are stored."""
    email = f"lab-{secrets.token_hex(6)}@sandbox.invalid"
    password = secrets.token_urlsafe(12)
    account = account_create(email=email, password=password, full_name=label, credits=credits)
    return email, password, api_key_issue(account)


def token_ttl() -> int:
    """Seconds a sign-in token lives: settings.SANDBOX_IMAGINELAB_TOKEN_TTL (default 3600)."""
    return int(getattr(settings, "SANDBOX_IMAGINELAB_TOKEN_TTL", 3600))


def login(email: str, password: str) -> tuple[str, int]:
    """Check the credentials and issue a bearer token: (token, seconds it lives). Wrong email
    or password: 401 "Incorrect email or password" (https://api.imagineview.art /auth/login)."""
    account = SandboxLabAccount.objects.filter(email__iexact=email.strip()).first()
    if account is None or not check_password(password, account.password):
        raise _unauthorized(INCORRECT_LOGIN)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    ttl = token_ttl()
    SandboxLabToken.objects.create(
        account=account,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    # Tokens that expired a day ago can go (a client still holding one gets the same 401).
    SandboxLabToken.objects.filter(account=account, expires_at__lt=now - timedelta(days=1)).delete()
    return token, ttl


def expire_tokens(email: str) -> int:
    """Make every sign-in token of the account expired now (tests: token expiry and
    re-login). Returns how many."""
    return SandboxLabToken.objects.filter(account__email__iexact=email).update(
        expires_at=clock.now() - timedelta(seconds=1)
    )


def authenticate(authorization: str | None) -> SandboxLabAccount:
    """The account named by `Authorization: Bearer <token or API key>`, with `token_id` set
    on it: the sign-in token's id, or None for an API key. No header: 401 "Not
    authenticated"; unknown or expired: 401 "Could not validate credentials" (FastAPI)."""
    scheme, _, credential = (authorization or "").strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise _unauthorized("Not authenticated")
    digest = _hash(credential)
    token = SandboxLabToken.objects.select_related("account").filter(token_hash=digest).first()
    if token is not None:
        if token.expires_at <= clock.now():
            raise _unauthorized()
        token.account.token_id = token.pk
        return token.account
    account = SandboxLabAccount.objects.filter(api_key_hash=digest).first()
    if account is None:
        raise _unauthorized()
    account.token_id = None
    return account


def rate_limit() -> int:
    """Requests per second per account: settings.SANDBOX_IMAGINELAB_RATE (default 10, 0 off)."""
    return int(getattr(settings, "SANDBOX_IMAGINELAB_RATE", 10))


def check_rate(account: SandboxLabAccount) -> None:
    """429 "Rate limit exceeded" with `Retry-After: 1` when the account is over the limit in
    the one-second window opened by its first request, or while `force_429` lasts (each
    forced answer uses one). The counters are conditional UPDATEs, so concurrent requests
    from several workers count once each."""
    accounts = SandboxLabAccount.objects.filter(pk=account.pk)
    if account.force_429 and accounts.filter(force_429__gt=0).update(force_429=F("force_429") - 1):
        raise LabError(429, RATE_LIMITED, {"Retry-After": "1"})
    limit = rate_limit()
    if limit <= 0:
        return
    now = clock.now()
    opened = accounts.filter(
        Q(rate_window_start__isnull=True) | Q(rate_window_start__lte=now - timedelta(seconds=1))
    ).update(rate_window_start=now, rate_count=1)
    if opened:
        return
    accounts.update(rate_count=F("rate_count") + 1)
    if accounts.values_list("rate_count", flat=True).first() > limit:
        raise LabError(429, RATE_LIMITED, {"Retry-After": "1"})


def balance(account: SandboxLabAccount) -> int:
    return SandboxLabAccount.objects.filter(pk=account.pk).values_list("credits", flat=True)[0]


# --- generations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """A generation's status at a moment: lowercase status, progress 0–100, error text."""

    status: str
    progress: int
    error: str = ""


def state(generation: SandboxLabGeneration, now: datetime) -> State:
    """pending (0) → processing (1–99) → completed (100) | failed, from the stored timeline."""
    if now >= generation.ends_at:
        if generation.outcome == SandboxLabGeneration.Outcome.COMPLETED:
            return State("completed", 100)
        return State("failed", _progress(generation, generation.ends_at), generation.error)
    if now < generation.processing_at:
        return State("pending", 0)
    return State("processing", max(1, _progress(generation, now)))


def _progress(generation: SandboxLabGeneration, at: datetime) -> int:
    span = (generation.done_at - generation.processing_at).total_seconds()
    if at <= generation.processing_at:
        return 0
    if span <= 0:
        return 99
    fraction = (at - generation.processing_at).total_seconds() / span
    return max(1, min(99, 1 + int(fraction * 98)))


def settle(account: SandboxLabAccount, now: datetime | None = None) -> None:
    """Refund the credits of the account's generations that have failed by `now` (once each:
    the `refunded` flag is set by a conditional UPDATE in the same transaction)."""
    now = now or clock.now()
    failed = SandboxLabGeneration.objects.filter(
        account=account,
        outcome=SandboxLabGeneration.Outcome.FAILED,
        refunded=False,
        ends_at__lte=now,
    ).values_list("pk", "credit_cost")
    for pk, cost in list(failed):
        with transaction.atomic():
            if SandboxLabGeneration.objects.filter(pk=pk, refunded=False).update(refunded=True):
                SandboxLabAccount.objects.filter(pk=account.pk).update(credits=F("credits") + cost)


@dataclass(frozen=True)
class CreateRequest:
    generation_type: str
    model_name: str
    prompt: str
    settings: dict = field(default_factory=dict)
    project_id: int | None = None


def read_create(data) -> CreateRequest:
    """Check a POST /generations body (https://api.imagineview.art): 422 for missing fields or wrong JSON types, 400
    for an empty prompt, an unknown type or model, or bad settings."""
    if not isinstance(data, dict):
        raise LabError(
            422, [{"loc": ["body"], "msg": "Input should be a valid object", "type": "dict_type"}]
        )
    missing = [
        (name, "Field required", "missing")
        for name in ("generation_type", "model_name", "prompt")
        if data.get(name) is None
    ]
    wrong = [
        (name, "Input should be a valid string", "string_type")
        for name in ("generation_type", "model_name", "prompt")
        if data.get(name) is not None and not isinstance(data[name], str)
    ]
    options = data.get("settings")
    if options is not None and not isinstance(options, dict):
        wrong.append(("settings", "Input should be a valid dictionary", "dict_type"))
    project_id = data.get("project_id")
    if project_id is not None and (isinstance(project_id, bool) or not isinstance(project_id, int)):
        wrong.append(("project_id", "Input should be a valid integer", "int_type"))
    if missing or wrong:
        raise field_error(*missing, *wrong)
    prompt = data["prompt"].strip()
    if not prompt:
        raise LabError(400, "Prompt must not be empty.")
    if len(prompt) > catalog.MAX_PROMPT:
        raise LabError(400, f"Prompt is too long (at most {catalog.MAX_PROMPT} characters).")
    return CreateRequest(
        generation_type=data["generation_type"].strip().lower(),
        model_name=data["model_name"].strip(),
        prompt=prompt,
        settings=options or {},
        project_id=project_id,
    )


def failure_reason(prompt: str) -> str:
    """Why a generation will fail ("" if it will not): one of the sandbox's banned words
    (settings.SANDBOX_BANNED_WORDS, shared with the ImaginePro sandbox)."""
    word = find_banned_word(prompt)
    if word:
        return f'Content policy violation: the prompt contains "{word}".'
    return ""


def generation_create(
    account: SandboxLabAccount,
    req: CreateRequest,
    *,
    fail_text: str = "",
    refuse: Callable[[int], bool] | None = None,
) -> SandboxLabGeneration:
    """Reserve the model's cost and store a pending generation with its timeline, in one
    transaction: a short wallet answers 402 "Insufficient credits" and nothing is created
    or charged. A prompt with a banned word fails a little into processing (and is refunded
    then, by `settle`). Injected faults (studio/sandbox/faults/lab.py): `fail_text` makes it
    fail the same way with that text; `refuse(cost)` True answers 402 as a short wallet."""
    try:
        resolved = catalog.resolve(req.generation_type, req.model_name, req.settings)
    except catalog.SettingsError as exc:
        raise LabError(400, str(exc)) from exc
    cost = int(resolved.model["credit_cost"])
    if refuse is not None and refuse(cost):
        raise LabError(402, "Insufficient credits")
    scale = float(settings.SANDBOX_TIME_SCALE)
    pending, processing = DURATIONS[req.generation_type]
    now = clock.now()
    processing_at = now + timedelta(seconds=pending * scale)
    done_at = processing_at + timedelta(seconds=processing * scale)
    error = failure_reason(req.prompt) or fail_text
    if error:
        outcome = SandboxLabGeneration.Outcome.FAILED
        ends_at = processing_at + (done_at - processing_at) * FAIL_AT
    else:
        outcome, ends_at = SandboxLabGeneration.Outcome.COMPLETED, done_at
    with transaction.atomic():
        charged = SandboxLabAccount.objects.filter(pk=account.pk, credits__gte=cost).update(
            credits=F("credits") - cost
        )
        if not charged:
            raise LabError(402, "Insufficient credits")
        generation = SandboxLabGeneration(
            account=account,
            generation_type=req.generation_type,
            model_name=req.model_name,
            prompt=req.prompt,
            settings=resolved.settings,
            project_id=req.project_id,
            credit_cost=cost,
            seed=0,
            created_at=now,
            processing_at=processing_at,
            done_at=done_at,
            ends_at=ends_at,
            outcome=outcome,
            error=error,
        )
        generation.seed = seed_from_id(str(generation.file_key))
        generation.save()
    return generation


def find_generation(account: SandboxLabAccount, generation_id) -> SandboxLabGeneration:
    """The account's generation `generation_id`, else 404 "Generation not found" (also for
    another account's, so ids reveal nothing)."""
    text = str(generation_id)
    generation = None
    if text.isdigit():
        generation = SandboxLabGeneration.objects.filter(pk=int(text), account=account).first()
    if generation is None:
        raise LabError(404, NOT_FOUND)
    return generation


def generation_delete(account: SandboxLabAccount, generation_id) -> None:
    """Delete the account's generation and its files (404 if not the account's)."""
    generation = find_generation(account, generation_id)
    outputs.delete_files(generation)
    generation.delete()


def history(account: SandboxLabAccount, *, page: int, page_size: int):
    """(generations of the page, newest first; total count)."""
    queryset = SandboxLabGeneration.objects.filter(account=account).order_by("-created_at", "-id")
    start = (page - 1) * page_size
    return list(queryset[start : start + page_size]), queryset.count()
