"""The DIY plan in the sandbox: linked Discord accounts (tokens), their queue, bot commands,
message traces and the account's ban list (imaginepro.md §3.18; DESIGN.md "Providers").

Documented shapes: token objects (`GET /discord/tokens`, `GET|PUT /discord/token/{id}`), the
trace (`GET /message/trace/{messageId}`) and `POST /nova/commands`. The queue, ban-list and
linked-account routes are not published by the provider; the sandbox serves the provisional
ones of DESIGN.md: `GET /diy/queue/count`, `POST /diy/queue/pause|resume|reboot`,
`GET|POST /diy/ban-words`, `GET /diy/accounts`, `GET /diy/accounts/{id}/queue`.

How the queue behaves here (the real behaviour is undocumented):
- Midjourney jobs (imagine, buttons, describe, face swap, blend, video) run on one of the
  account's active linked tokens, the least busy one, chosen at submit. Flux, Nano Banana,
  Lumi Girl and the tools do not use the DIY queue.
- Pause: jobs still QUEUED stay QUEUED (with progress 0) and do not progress; jobs submitted
  while paused wait too. Running jobs finish. Their stored timeline is pushed `HOLD` ahead
  (so every process sees them as queued and no webhook fires), and on resume moved back so
  they wait out the rest of their queue time from the moment of resuming, then run to the end.
- Reboot: running jobs FAIL at once with `REBOOTED`; queued ones stay queued; a paused queue
  stays paused.
- Commands (`info`, `fast`, `relax`, `turbo`) bypass the queue: the token's mode changes at
  submit, and the message is DONE after a moment with the bot's answer as its `prompt`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from .buttons import CANCEL_JOB
from .lifecycle import QUEUED, Timeline, job_state
from .models import SandboxAccount, SandboxDiscordToken, SandboxJob
from .validation import ApiError, bad_request, is_int
from .webhooks import schedule_delivery

# Kinds that Midjourney runs on a linked Discord account, so they wait in the DIY queue.
QUEUE_KINDS = (
    SandboxJob.Kind.IMAGINE,
    SandboxJob.Kind.BUTTON,
    SandboxJob.Kind.DESCRIBE,
    SandboxJob.Kind.FACESWAP,
    SandboxJob.Kind.BLEND,
    SandboxJob.Kind.VIDEO,
)
HOLD = timedelta(days=3650)  # how far a held job's timeline is pushed while the queue is paused
REBOOTED = "Job failed: the queue was rebooted while it was running."
NOT_DIY = "This endpoint is only available on the DIY plan (link your own Midjourney account)."
TOKEN_NOT_FOUND = "Token not found"
NO_TOKEN = "No active linked Discord account can run this job."
COMMANDS = ("relax", "fast", "turbo", "info")
# Fast time one job uses (Midjourney bills GPU minutes; a grid is about a minute in fast mode,
# turbo costs double). Relax uses none.
FAST_MINUTES = {SandboxDiscordToken.Mode.FAST: 1.0, SandboxDiscordToken.Mode.TURBO: 2.0}
MAX_BAN_WORDS = 1000
MAX_BAN_WORD_LENGTH = 100

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


def _queue_counts(account: SandboxAccount, now: datetime) -> dict[int, dict[str, int]]:
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
    counts = _queue_counts(account, timezone.now())
    return [
        token_object(token, counts.get(token.pk))
        for token in SandboxDiscordToken.objects.filter(account=account)
    ]


def token_detail(account: SandboxAccount, token_id) -> list[dict]:
    """GET /discord/token/{id}: documented as an array holding the one token."""
    ensure_tokens(account)
    token = account_token(account, token_id)
    counts = _queue_counts(account, timezone.now())
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


# --- linked accounts and their queues ------------------------------------------------------


def accounts_list(account: SandboxAccount) -> list[dict]:
    """GET /diy/accounts (provisional): each linked account as a token object without the
    Discord token, plus `runningJobs` and `queuedJobs` as numbers."""
    ensure_tokens(account)
    counts = _queue_counts(account, timezone.now())
    out = []
    for token in SandboxDiscordToken.objects.filter(account=account):
        mine = counts.get(token.pk, {"running": 0, "queued": 0})
        data = token_object(token, mine)
        del data["token"]
        data.update(runningJobs=mine["running"], queuedJobs=mine["queued"])
        out.append(data)
    return out


def _job_summary(job: SandboxJob, now: datetime) -> dict:
    state = job_state(job, now)
    return {
        "messageId": str(job.id),
        "prompt": job.prompt,
        "status": state.status,
        "progress": state.progress,
        "createdAt": job.created_at.isoformat(),
    }


def account_queue(account: SandboxAccount, token_id) -> dict:
    """GET /diy/accounts/{id}/queue (provisional): `{"id", "status", "concurrency",
    "paused", "running": [job], "queued": [job]}`, jobs as `{"messageId", "prompt",
    "status", "progress", "createdAt"}`, oldest first."""
    ensure_tokens(account)
    token = account_token(account, token_id)
    now = timezone.now()
    jobs = (
        SandboxJob.objects.filter(token=token, ends_at__gt=now)
        .exclude(kind=SandboxJob.Kind.COMMAND)
        .order_by("created_at")
    )
    running, queued = [], []
    for job in jobs:
        summary = _job_summary(job, now)
        (queued if summary["status"] == QUEUED else running).append(summary)
    return {
        "id": token.pk,
        "status": token_status(token),
        "concurrency": token.concurrency,
        "paused": account.queue_paused_at is not None,
        "running": running,
        "queued": queued,
    }


def _queue_jobs(account: SandboxAccount):
    return SandboxJob.objects.filter(account=account, kind__in=QUEUE_KINDS).exclude(
        action=CANCEL_JOB
    )


def queue_count(account: SandboxAccount) -> dict:
    """GET /diy/queue/count (provisional): `{"count": queued jobs, "running": n,
    "paused": bool, "pausedAt": iso or null}`."""
    account.refresh_from_db(fields=["queue_paused_at"])
    now = timezone.now()
    unfinished = _queue_jobs(account).filter(ends_at__gt=now)
    return {
        "count": unfinished.filter(processing_at__gt=now).count(),
        "running": unfinished.filter(processing_at__lte=now).count(),
        "paused": account.queue_paused_at is not None,
        "pausedAt": account.queue_paused_at.isoformat() if account.queue_paused_at else None,
    }


def queue_pause(account: SandboxAccount) -> dict:
    """POST /diy/queue/pause: hold every job still QUEUED; later submits wait too.
    Pausing a paused queue changes nothing. Answers like queue_count, plus `success`."""
    now = timezone.now()
    with transaction.atomic():
        paused = SandboxAccount.objects.filter(pk=account.pk, queue_paused_at__isnull=True).update(
            queue_paused_at=now
        )
        if paused:
            for job in _queue_jobs(account).filter(
                held_at__isnull=True, processing_at__gt=now, ends_at__gt=now
            ):
                SandboxJob.objects.filter(pk=job.pk, held_at__isnull=True).update(
                    held_at=now,
                    processing_at=job.processing_at + HOLD,
                    done_at=job.done_at + HOLD,
                    ends_at=job.ends_at + HOLD,
                )
    return {"success": True, **queue_count(account)}


def queue_resume(account: SandboxAccount) -> dict:
    """POST /diy/queue/resume: held jobs wait out the rest of their queue time from now,
    then run to the end. Resuming a running queue changes nothing."""
    now = timezone.now()
    released = []
    with transaction.atomic():
        resumed = SandboxAccount.objects.filter(
            pk=account.pk, queue_paused_at__isnull=False
        ).update(queue_paused_at=None)
        if resumed:
            for job in SandboxJob.objects.filter(account=account, held_at__isnull=False):
                shift = now - job.held_at - HOLD
                moved = SandboxJob.objects.filter(pk=job.pk, held_at=job.held_at).update(
                    held_at=None,
                    processing_at=job.processing_at + shift,
                    done_at=job.done_at + shift,
                    ends_at=job.ends_at + shift,
                )
                if moved:
                    released.append(job.pk)
    for job in SandboxJob.objects.filter(pk__in=released):
        schedule_delivery(job)
    return {"success": True, **queue_count(account)}


def queue_reboot(account: SandboxAccount) -> dict:
    """POST /diy/queue/reboot: running jobs FAIL now with REBOOTED (their webhooks go out);
    queued ones stay queued; a paused queue stays paused. `rebooted` = how many failed."""
    now = timezone.now()
    running = list(
        _queue_jobs(account)
        .filter(held_at__isnull=True, processing_at__lte=now, ends_at__gt=now)
        .values_list("pk", flat=True)
    )
    failed = []
    for pk in running:
        # Conditional: a job that ended meanwhile keeps its own ending.
        if SandboxJob.objects.filter(pk=pk, ends_at__gt=now).update(
            ends_at=now, outcome=SandboxJob.Outcome.FAIL, error=REBOOTED
        ):
            failed.append(pk)
    for job in SandboxJob.objects.filter(pk__in=failed):
        schedule_delivery(job)
    return {"success": True, "rebooted": len(failed), **queue_count(account)}


# --- placing a job on a token (called by services.create_job) ----------------------------------


def place_job(
    account: SandboxAccount, fields: dict, timeline: Timeline, now: datetime
) -> tuple[Timeline, dict]:
    """For a job being created inside create_job's transaction (after the account row was
    updated, so a concurrent pause is serialised): choose its token and hold it when the
    queue is paused. Returns the (possibly shifted) timeline and extra SandboxJob fields.
    Jobs outside the DIY queue (other kinds, a Cancel Job answer, non-DIY accounts) pass
    through unchanged."""
    kind = fields.get("kind")
    if (
        not account.diy
        or kind not in QUEUE_KINDS
        or fields.get("action") == CANCEL_JOB
        or "token" in fields
    ):
        return timeline, {}
    ensure_tokens(account)
    counts = _queue_counts(account, now)
    candidates = list(
        SandboxDiscordToken.objects.filter(account=account, is_active=True, banned=False)
    )
    extra: dict = {}
    if not candidates:
        # Nothing can run it: it fails when it would start, like a moderation refusal.
        timeline = Timeline(
            timeline.processing_at, timeline.done_at, timeline.processing_at, "FAIL", NO_TOKEN
        )
    else:
        token = min(candidates, key=lambda t: (sum(counts.get(t.pk, {}).values()), t.pk))
        extra["token"] = token
        _charge_usage(token, fields)
    paused_at = (
        SandboxAccount.objects.filter(pk=account.pk).values_list("queue_paused_at", flat=True)
    )[0]
    if paused_at is not None:
        extra["held_at"] = now
        timeline = Timeline(
            timeline.processing_at + HOLD,
            timeline.done_at + HOLD,
            timeline.ends_at + HOLD,
            timeline.outcome,
            timeline.error,
        )
    return timeline, extra


def _charge_usage(token: SandboxDiscordToken, fields: dict) -> None:
    """Count the job in the token's /info: images, and fast time unless in relax mode."""
    images = int(fields.get("count") or 1)
    minutes = FAST_MINUTES.get(token.mode, 0.0)
    used = minutes / 60.0 if token.fast_time_unit == "hours" else minutes
    token.lifetime_images += images
    if token.mode == SandboxDiscordToken.Mode.RELAX:
        token.relaxed_images += images
    token.fast_time_used = min(token.fast_time_total, token.fast_time_used + used)
    token.save(update_fields=["lifetime_images", "relaxed_images", "fast_time_used"])


# --- commands -----------------------------------------------------------------------------


def read_command(data: dict) -> tuple[str, object]:
    """`cmd` (relax|fast|turbo|info; null or absent → info) and `tokenId` (required integer)
    of POST /nova/commands (seed 001), else 400 in class-validator's words."""
    cmd = data.get("cmd")
    if cmd is None:
        cmd = "info"
    if not isinstance(cmd, str) or cmd.strip().lower() not in COMMANDS:
        raise bad_request(f"cmd must be one of the following values: {', '.join(COMMANDS)}")
    token_id = data.get("tokenId")
    if token_id is None:
        raise bad_request("tokenId is required.")
    if isinstance(token_id, str) and token_id.strip().isdigit():
        token_id = int(token_id.strip())
    if not is_int(token_id):
        raise bad_request("tokenId must be an integer number")
    return cmd.strip().lower(), token_id


def run_command(account: SandboxAccount, token: SandboxDiscordToken, cmd: str) -> str:
    """Apply `cmd` to the token now and return the bot's answer. 400 when the token cannot
    take commands (banned, or inactive while being verified)."""
    if token.banned:
        raise bad_request(f"Token {token.pk} is banned by Midjourney.")
    if not token.is_active:
        raise bad_request(f"Token {token.pk} is not active; activate it first.")
    if cmd != "info":
        SandboxDiscordToken.objects.filter(pk=token.pk).update(mode=cmd)
        token.refresh_from_db()
    if cmd == "relax":
        return "Done! Your jobs now do not consume fast-hours, but might take a little longer."
    if cmd == "fast":
        return "Done! Your jobs will now consume fast-hours."
    if cmd == "turbo":
        return "Done! Your jobs will now run in turbo mode, at twice the fast-hour rate."
    counts = _queue_counts(account, timezone.now()).get(token.pk)
    info = token_info(token, counts)
    return "\n".join(
        (
            "Your info",
            f"Subscription: {info['subscription']}",
            f"Job Mode: {info['jobMode']}",
            f"Visibility Mode: {info['visibilityMode']}",
            f"Fast Time Remaining: {info['fastTimeRemaining']}",
            f"Lifetime Usage: {info['lifetimeUsage']}",
            f"Relaxed Usage: {info['relaxedUsage']}",
            f"Queued Jobs (fast): {info['queuedJobsFast']}",
            f"Queued Jobs (relax): {info['queuedJobsRelax']}",
            f"Running Jobs: {info['runningJobs']}",
        )
    )


# --- traces -------------------------------------------------------------------------------


def trace(job: SandboxJob) -> dict:
    """GET /message/trace/{messageId} (D:236382162): the token that ran the job, with its
    info now. 404 for a job that ran on no linked account (Flux, tools, other plans)."""
    token = job.token
    if token is None:
        raise ApiError(404, "No trace for this message: it did not run on a linked account.")
    counts = _queue_counts(job.account, timezone.now()).get(token.pk)
    return {
        "messageId": str(job.id),
        "tokenId": token.pk,
        "discordChannelId": token.channel_id,
        "tokenStatus": token_status(token),
        "tokenInfo": token_info(token, counts),
    }


# --- ban list -------------------------------------------------------------------------------


def read_ban_words(data: dict) -> list[str]:
    """`{"words": [...]}`: strings, trimmed, empty ones dropped, duplicates (any case)
    dropped keeping the first spelling; at most MAX_BAN_WORDS of MAX_BAN_WORD_LENGTH."""
    words = data.get("words")
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        raise bad_request("words must be an array of strings.")
    seen, out = set(), []
    for word in words:
        word = " ".join(word.split())
        if not word:
            continue
        if len(word) > MAX_BAN_WORD_LENGTH:
            raise bad_request(f"Each word must be at most {MAX_BAN_WORD_LENGTH} characters.")
        if word.casefold() not in seen:
            seen.add(word.casefold())
            out.append(word)
    if len(out) > MAX_BAN_WORDS:
        raise bad_request(f"words must contain no more than {MAX_BAN_WORDS} elements.")
    return out


def ban_words_set(account: SandboxAccount, words: list[str]) -> dict:
    """POST /diy/ban-words: replace the list; answers `{"words": [...]}` as stored."""
    SandboxAccount.objects.filter(pk=account.pk).update(ban_words=words)
    return {"words": words}


def find_listed_word(words: list[str], text: str) -> str | None:
    """The first of `words` present in `text` as a whole word or phrase (case-insensitive,
    any run of spaces between the words of a phrase), else None."""
    lowered = text.casefold()
    for word in words:
        parts = [re.escape(part) for part in word.casefold().split()]
        if parts and re.search(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", lowered):
            return word
    return None


def sent_prompts(data: dict) -> list[str]:
    """The prompt texts of a submit body: `prompt`, and the text items of `contents`."""
    texts = []
    if isinstance(data.get("prompt"), str):
        texts.append(data["prompt"])
    contents = data.get("contents")
    if isinstance(contents, list):
        for item in contents:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                texts.append(item["text"])
    return texts


def banned_prompt(account: SandboxAccount, data: dict) -> str | None:
    """The first word of the account's ban list in the body's prompt texts, else None."""
    words = account.ban_words or []
    if not words:
        return None
    for text in sent_prompts(data):
        word = find_listed_word(words, text)
        if word:
            return word
    return None


def refuse_banned(account: SandboxAccount, data: dict) -> None:
    """400 `Banned prompt detected: "<word>"` when a submitted prompt holds a word of the
    account's ban list: nothing is charged or stored (the provider's moderation wording)."""
    word = banned_prompt(account, data)
    if word:
        raise bad_request(f'Banned prompt detected: "{word}"')
