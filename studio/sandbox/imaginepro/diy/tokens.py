"""Linked Discord accounts (tokens) of a DIY sandbox account: the ones it starts with,
their documented objects and /info, and switching one on or off."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q

from ... import clock
from ...models import SandboxAccount, SandboxDiscordToken, SandboxJob
from ..validation import ApiError, bad_request, is_int

# Kinds that Midjourney runs on a linked Discord account, so they wait in the DIY queue.
QUEUE_KINDS = (
    SandboxJob.Kind.IMAGINE,
    SandboxJob.Kind.BUTTON,
    SandboxJob.Kind.DESCRIBE,
    SandboxJob.Kind.FACESWAP,
    SandboxJob.Kind.BLEND,
    SandboxJob.Kind.VIDEO,
)
NOT_DIY = "This endpoint is only available on the DIY plan (link your own Midjourney account)."
TOKEN_NOT_FOUND = "Token not found"

# The linked accounts a DIY sandbox account starts with: one per status a person can meet.
_SEED_TOKENS = (
    {
        "mode": "fast",
        "concurrency": 3,
        "subscription": "Standard (Active monthly, renews next on <t:1893456000>)",
        "fast_time_unit": "hours",
        "fast_time_total": 15.0,
        "lifetime_images": 2000,
        "relaxed_images": 1000,
    },
    {
        "mode": "relax",
        "concurrency": 2,
        "subscription": "Basic (Active monthly, renews next on <t:1893456000>)",
        "fast_time_unit": "minutes",
        "fast_time_total": 200.0,
        "fast_time_used": 1.0,
        "lifetime_images": 674,
    },
    {
        "mode": "fast",
        "concurrency": 3,
        "banned": True,
        "is_active": False,
        "subscription": "Basic (Cancelled)",
        "fast_time_unit": "minutes",
        "fast_time_total": 200.0,
        "fast_time_used": 200.0,
        "lifetime_images": 52,
    },
)


# --- access -----------------------------------------------------------------------------------


def require_diy(account: SandboxAccount) -> None:
    """403 with a sentence unless the account is on the DIY plan (its likely answer)."""
    if not account.diy:
        raise ApiError(403, NOT_DIY)


def ensure_tokens(account: SandboxAccount) -> None:
    """Give a DIY account its linked Discord accounts on first use (idempotent; the account
    row is locked so two first calls do not both create them)."""
    if not account.diy or SandboxDiscordToken.objects.filter(account=account).exists():
        return
    with transaction.atomic():
        SandboxAccount.objects.select_for_update().filter(pk=account.pk).first()
        if SandboxDiscordToken.objects.filter(account=account).exists():
            return
        for seed in _SEED_TOKENS:
            SandboxDiscordToken.objects.create(
                account=account,
                token=_fake_discord_token(),
                channel_id=_snowflake(),
                server_id=_snowflake(),
                **seed,
            )


def _fake_discord_token() -> str:
    """Shaped like a Discord user token (three dot-separated base64url parts)."""
    return ".".join(
        (secrets.token_urlsafe(18)[:24], secrets.token_urlsafe(5)[:6], secrets.token_urlsafe(28))
    )


def _snowflake() -> str:
    return str(1169000000000000000 + secrets.randbelow(10**15))


def account_token(account: SandboxAccount, token_id) -> SandboxDiscordToken:
    """The account's token `token_id` (an integer or its digits), else 404 "Token not found"."""
    if isinstance(token_id, str) and token_id.strip().isdigit():
        token_id = int(token_id.strip())
    token = None
    if is_int(token_id):
        token = SandboxDiscordToken.objects.filter(account=account, pk=token_id).first()
    if token is None:
        raise ApiError(404, TOKEN_NOT_FOUND)
    return token


# --- token objects ----------------------------------------------------------------------------


def token_status(token: SandboxDiscordToken) -> str:
    """FAST | RELAX (active, by mode; turbo shows as FAST) | VERIFYING (inactive) | BANNED."""
    if token.banned:
        return "BANNED"
    if not token.is_active:
        return "VERIFYING"
    return "RELAX" if token.mode == SandboxDiscordToken.Mode.RELAX else "FAST"


def queue_counts(account: SandboxAccount, now: datetime) -> dict[int, dict[str, int]]:
    """{token id: {"running": n, "queued": n}} for the account's unfinished jobs."""
    rows = (
        SandboxJob.objects.filter(account=account, token__isnull=False, ends_at__gt=now)
        .exclude(kind=SandboxJob.Kind.COMMAND)
        .values("token")
        .annotate(
            queued=Count("pk", filter=Q(processing_at__gt=now)),
            running=Count("pk", filter=Q(processing_at__lte=now)),
        )
    )
    return {row["token"]: {"running": row["running"], "queued": row["queued"]} for row in rows}


def fast_time_text(token: SandboxDiscordToken) -> str:
    """Midjourney's wording, e.g. "199.00/200.0 minutes (99.50%)"."""
    left = max(0.0, token.fast_time_total - token.fast_time_used)
    share = 100.0 * left / token.fast_time_total if token.fast_time_total else 0.0
    return f"{left:.2f}/{token.fast_time_total:.1f} {token.fast_time_unit} ({share:.2f}%)"


def token_info(token: SandboxDiscordToken, counts: dict[str, int] | None = None) -> dict:
    """The token's `info` (its last `/info`): every value a string, as Midjourney prints it."""
    counts = counts or {"running": 0, "queued": 0}
    relax = token.mode == SandboxDiscordToken.Mode.RELAX
    running = counts["running"]
    return {
        "jobMode": token.get_mode_display(),
        "message": "",
        "runningJobs": "None" if not running else f"{running} job{'s' if running > 1 else ''}",
        "relaxedUsage": f"{token.relaxed_images} images",
        "subscription": token.subscription,
        "lifetimeUsage": f"{token.lifetime_images} images",
        "queuedJobsFast": "0" if relax else str(counts["queued"]),
        "visibilityMode": token.visibility,
        "queuedJobsRelax": str(counts["queued"]) if relax else "0",
        "fastTimeRemaining": fast_time_text(token),
    }


def token_object(
    token: SandboxDiscordToken, counts: dict[str, int] | None = None, *, info: bool = True
) -> dict:
    """The documented token object; the toggle's answer omits `info` (OLD:/toggle-tokens)."""
    data = {
        "id": token.pk,
        "token": token.token,
        "channelId": token.channel_id,
        "serverId": token.server_id,
        "isActive": token.is_active,
        "status": token_status(token),
        "concurrency": token.concurrency,
    }
    if info:
        data["info"] = token_info(token, counts)
    return data


def tokens_list(account: SandboxAccount) -> list[dict]:
    """GET /discord/tokens: every linked token with its info."""
    ensure_tokens(account)
    counts = queue_counts(account, clock.now())
    return [
        token_object(token, counts.get(token.pk))
        for token in SandboxDiscordToken.objects.filter(account=account)
    ]


def token_detail(account: SandboxAccount, token_id) -> list[dict]:
    """GET /discord/token/{id}: documented as an array holding the one token."""
    ensure_tokens(account)
    token = account_token(account, token_id)
    counts = queue_counts(account, clock.now())
    return [token_object(token, counts.get(token.pk))]


def read_is_active(data: dict) -> bool:
    """`isActive` of the toggle body: a boolean (the archive's example shows a string, so
    "true"/"false" are accepted too), else 400."""
    value = data.get("isActive")
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise bad_request("isActive must be a boolean value.")
    return value


def token_toggle(account: SandboxAccount, token_id, is_active: bool) -> list[dict]:
    """PUT /discord/token/{id} `{"isActive": bool}` → the updated token (no `info`), in an
    array. An inactive token is VERIFYING and takes no new jobs; a banned one cannot be
    activated (400)."""
    ensure_tokens(account)
    token = account_token(account, token_id)
    if is_active and token.banned:
        raise bad_request(f"Token {token.pk} is banned by Midjourney and cannot be activated.")
    SandboxDiscordToken.objects.filter(pk=token.pk).update(is_active=is_active)
    token.refresh_from_db()
    return [token_object(token, info=False)]
