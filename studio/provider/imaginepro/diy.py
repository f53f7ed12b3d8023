"""Lenient readers of the ImaginePro DIY-plan answers (docs/provider-contract.md §3.18; https://docs.imaginepro.ai/api-254009155).

Documented: the Discord token object (`GET /discord/tokens`, `GET|PUT /discord/token/{id}`),
the message trace (`GET /message/trace/{messageId}`) and `POST /nova/commands`. The queue,
ban-word and linked-account routes are unpublished; their answers follow the provisional
routes of docs/architecture.md "Providers" and are read here as leniently as the rest: a number may come
as a string, a list wrapped in an object, an id as a string or a number.

Every reader raises ValueError on an answer it cannot use; the client turns that into a
ProviderError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from studio.provider.imaginepro.fast_time import FastTime, parse_fast_time

STATUSES = ("FAST", "RELAX", "VERIFYING", "BANNED")
MODES = ("Fast", "Relax", "Turbo")


def job_mode(status: str, info: dict[str, str]) -> str:
    """The mode the provider reports for a token: "Fast", "Relax" or "Turbo", "" when it
    does not say. `status` has no TURBO (§3.18): a token in turbo mode reads FAST there and
    "Turbo" only in `info.jobMode`. So RELAX is "Relax"; FAST is "Turbo" when jobMode says
    turbo, else "Fast"; other statuses (VERIFYING, BANNED) take jobMode as it is."""
    named = str(info.get("jobMode") or "").strip().lower()
    said = next((mode for mode in MODES if named.startswith(mode.lower())), "")
    if status == "RELAX":
        return "Relax"
    if status == "FAST":
        return "Turbo" if said == "Turbo" else "Fast"
    return said


# --- token objects ----------------------------------------------------------------------------


def mask_token(token: str) -> str:
    """A Discord token for display: its first 4 and last 4 characters ("abcd…wxyz"); a
    value shorter than 12 characters shows as "…" alone, so no token is ever shown whole."""
    token = str(token or "")
    if not token:
        return ""
    if len(token) < 12:
        return "…"
    return f"{token[:4]}…{token[-4:]}"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        match = re.match(r"\s*(\d+)", value)
        if match:
            return int(match.group(1))
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _info(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _id(value: Any) -> str:
    if value is None or isinstance(value, (bool, dict, list)):
        raise ValueError("no id")
    text = str(value).strip()
    if not text:
        raise ValueError("no id")
    return text


@dataclass(frozen=True)
class DiscordToken:
    """A linked Discord token (§3.18 token object). `token` is the secret itself: never
    render, log or store it (it is left out of repr); show `masked`."""

    id: str
    token: str = field(repr=False)
    channel_id: str = ""
    server_id: str = ""
    is_active: bool | None = None
    status: str = ""
    concurrency: int | None = None
    info: dict[str, str] = field(default_factory=dict)

    @property
    def masked(self) -> str:
        return mask_token(self.token)

    @property
    def mode(self) -> str:
        """ "Fast", "Relax" or "Turbo" as the provider reports it (job_mode), or ""."""
        return job_mode(self.status, self.info)

    @property
    def fast_time(self) -> FastTime | None:
        return parse_fast_time(self.info.get("fastTimeRemaining"))


def parse_token(data: Any) -> DiscordToken:
    """One token object; ValueError without an id."""
    if not isinstance(data, dict):
        raise ValueError("expected a token object")
    return DiscordToken(
        id=_id(data.get("id")),
        token=str(data.get("token") or ""),
        channel_id=str(data.get("channelId") or ""),
        server_id=str(data.get("serverId") or ""),
        is_active=_bool(data.get("isActive")),
        status=str(data.get("status") or "").strip().upper(),
        concurrency=_int(data.get("concurrency")),
        info=_info(data.get("info")),
    )


def _items(data: Any, *keys: str) -> list:
    """A JSON array, or the first array found under one of `keys` of an object."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return data[key]
    raise ValueError("expected an array")


def parse_tokens(data: Any) -> list[DiscordToken]:
    """GET /discord/tokens: an array of token objects (also `{"data"|"tokens": [...]}`)."""
    return [parse_token(item) for item in _items(data, "data", "tokens")]


def parse_one_token(data: Any) -> DiscordToken:
    """GET|PUT /discord/token/{id}: documented as an array holding the token; an object is
    accepted too."""
    if isinstance(data, dict) and "id" in data:
        return parse_token(data)
    items = _items(data, "data", "tokens")
    if not items:
        raise ValueError("empty answer")
    return parse_token(items[0])


# --- linked accounts and queues ------------------------------------------------------------


@dataclass(frozen=True)
class LinkedAccount:
    """A linked Midjourney account (GET /diy/accounts, provisional): status, concurrency,
    running and queued jobs (None when unknown), its `/info`."""

    id: str
    status: str
    concurrency: int | None
    is_active: bool | None
    running_jobs: int | None
    queued_jobs: int | None
    channel_id: str = ""
    info: dict[str, str] = field(default_factory=dict)

    @property
    def fast_time(self) -> FastTime | None:
        return parse_fast_time(self.info.get("fastTimeRemaining"))

    @property
    def mode(self) -> str:
        """The account's mode as the provider reports it (job_mode), or ""."""
        return job_mode(self.status, self.info)


def parse_accounts(data: Any) -> list[LinkedAccount]:
    """GET /diy/accounts: an array of account objects (also wrapped in `data`/`accounts`).
    Missing job counts fall back to the numbers in `info` (queuedJobsFast + queuedJobsRelax;
    runningJobs when it is a number)."""
    out = []
    for item in _items(data, "data", "accounts"):
        if not isinstance(item, dict):
            raise ValueError("expected account objects")
        info = _info(item.get("info"))
        running = _int(item.get("runningJobs"))
        if running is None and str(info.get("runningJobs", "")).strip().lower() == "none":
            running = 0
        elif running is None:
            running = _int(info.get("runningJobs"))
        queued = _int(item.get("queuedJobs"))
        if queued is None and ("queuedJobsFast" in info or "queuedJobsRelax" in info):
            queued = (_int(info.get("queuedJobsFast")) or 0) + (
                _int(info.get("queuedJobsRelax")) or 0
            )
        out.append(
            LinkedAccount(
                id=_id(item.get("id") if item.get("id") is not None else item.get("tokenId")),
                status=str(item.get("status") or "").strip().upper(),
                concurrency=_int(item.get("concurrency")),
                is_active=_bool(item.get("isActive")),
                running_jobs=running,
                queued_jobs=queued,
                channel_id=str(item.get("channelId") or ""),
                info=info,
            )
        )
    return out


@dataclass(frozen=True)
class QueueJob:
    message_id: str
    prompt: str
    status: str
    progress: int | None
    created_at: str = ""


@dataclass(frozen=True)
class AccountQueue:
    """GET /diy/accounts/{id}/queue (provisional): running and queued jobs of one account."""

    id: str
    status: str
    paused: bool | None
    running: list[QueueJob]
    queued: list[QueueJob]


def _jobs(value: Any) -> list[QueueJob]:
    if not isinstance(value, list):
        return []
    jobs = []
    for item in value:
        if isinstance(item, dict):
            jobs.append(
                QueueJob(
                    message_id=str(item.get("messageId") or item.get("id") or ""),
                    prompt=str(item.get("prompt") or ""),
                    status=str(item.get("status") or "").upper(),
                    progress=_int(item.get("progress")),
                    created_at=str(item.get("createdAt") or ""),
                )
            )
        elif isinstance(item, str):
            jobs.append(QueueJob(message_id=item, prompt="", status="", progress=None))
    return jobs


def parse_account_queue(data: Any, account_id: str) -> AccountQueue:
    """Read a linked account's queue; ValueError if the answer is not an object."""
    if not isinstance(data, dict):
        raise ValueError("expected an object")
    return AccountQueue(
        id=str(data.get("id") or account_id),
        status=str(data.get("status") or "").upper(),
        paused=_bool(data.get("paused")),
        running=_jobs(data.get("running")),
        queued=_jobs(data.get("queued")),
    )


@dataclass(frozen=True)
class QueueState:
    """GET /diy/queue/count and the answers to pause/resume/reboot (provisional): jobs
    waiting (`count`), running (None when not told), paused (None when not told), and for
    a reboot how many running jobs it stopped, with the messageIds it names: `failed` (the
    running jobs it failed) and `kept` (the waiting jobs it left queued); None when not told."""

    count: int
    running: int | None = None
    paused: bool | None = None
    rebooted: int | None = None
    failed: tuple[str, ...] | None = None
    kept: tuple[str, ...] | None = None


def parse_queue_state(data: Any) -> QueueState:
    """`{"count": n, …}` (also `total`/`queued`, or a bare number); ValueError otherwise."""
    if isinstance(data, (int, str)) and _int(data) is not None:
        return QueueState(count=_int(data))
    if not isinstance(data, dict):
        raise ValueError("expected an object")
    count = next(
        (
            _int(data[key])
            for key in ("count", "total", "queued")
            if _int(data.get(key)) is not None
        ),
        None,
    )
    if count is None:
        raise ValueError("no count")
    return QueueState(
        count=count,
        running=_int(data.get("running")),
        paused=_bool(data.get("paused")),
        rebooted=_int(data.get("rebooted")),
        failed=_ids(data.get("failed")),
        kept=_ids(data.get("kept")),
    )


def _ids(value: Any) -> tuple[str, ...] | None:
    """A list of messageIds (strings, numbers or `{"messageId"}` objects); None otherwise."""
    if not isinstance(value, list):
        return None
    ids = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("messageId") or item.get("id")
        if isinstance(item, (str, int)) and not isinstance(item, bool) and str(item).strip():
            ids.append(str(item).strip())
    return tuple(ids)


# --- trace and ban words ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """GET /message/trace/{messageId} (D:236382162): the token that ran a job and its info."""

    message_id: str
    token_id: str
    channel_id: str
    token_status: str
    token_info: dict[str, str] = field(default_factory=dict)

    @property
    def fast_time(self) -> FastTime | None:
        return parse_fast_time(self.token_info.get("fastTimeRemaining"))

    @property
    def mode(self) -> str:
        """The token's mode as the provider reports it (job_mode), or ""."""
        return job_mode(self.token_status, self.token_info)


def parse_trace(data: Any) -> Trace:
    """`tokenId` comes as a number in the example and a string in the schema: both work."""
    if not isinstance(data, dict):
        raise ValueError("expected an object")
    return Trace(
        message_id=str(data.get("messageId") or ""),
        token_id=_id(data.get("tokenId")),
        channel_id=str(data.get("discordChannelId") or data.get("channelId") or ""),
        token_status=str(data.get("tokenStatus") or "").strip().upper(),
        token_info=_info(data.get("tokenInfo")),
    )


def parse_ban_words(data: Any) -> list[str]:
    """`{"words": [...]}` (also a bare array, or `data`/`banWords`): the words as strings."""
    items = _items(data, "words", "data", "banWords")
    return [str(item) for item in items if isinstance(item, (str, int, float)) and str(item)]
