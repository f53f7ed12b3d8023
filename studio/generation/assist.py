"""Free, synchronous help around a prompt and an account: enhance a prompt, check it before a
Midjourney submit, read the key's credit balance (docs/provider-contract.md §3.9, §3.10, §3.14; for an
ImagineLab key its wallet, §8).

Enhance and the balance are the only provider calls made inside a web request, each on a
button or a fragment of its own (never a submit), because the provider answers them at once
and charges nothing; each uses a short timeout so a slow provider costs the person a few
seconds at most, never a hung page. The prompt check is asked by the submit task
(submit.generation_submit), never inside a request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Max
from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.generation import selectors
from studio.generation.signin import token_refused
from studio.provider import registry
from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient
from studio.teams import access
from studio.teams.access import PERSONAL, Workspace

log = logging.getLogger(__name__)

# (connect, read) seconds for the synchronous calls: enough for a real answer, short enough
# that a person waiting on a button or a submit is not left hanging.
ASSIST_TIMEOUT = (3.0, 8.0)
BALANCE_TIMEOUT = (3.0, 5.0)
BALANCE_TTL = 45  # seconds a balance is reused (per key, and per submit/finish on that key)
BALANCE_ERROR_TTL = 15  # seconds an unavailable balance is not asked for again


@sensitive_variables("api_key")
def _client(key: ProviderKey, timeout: tuple[float, float]) -> ImagineProClient:
    return ImagineProClient(base_url=key.base_url, api_key=key.api_key, timeout=timeout)


# --- enhance ----------------------------------------------------------------------------------

# Leading image URLs (image-to-image) and trailing `--flags` are Midjourney syntax, not words
# to embellish: only the text between them goes to the extender, the rest is kept verbatim.
_LEADING_URLS = re.compile(r"^\s*((?:https?://\S+\s+)*)", re.IGNORECASE)
_FIRST_FLAG = re.compile(r"(?:^|\s)(?:--|—)[a-z]", re.IGNORECASE)


def split_prompt(prompt: str) -> tuple[str, str, str]:
    """`"https://a.png a cat --ar 16:9"` → `("https://a.png", "a cat", "--ar 16:9")`:
    leading URLs, the words, the flags from the first `--flag` (or `—flag`) on."""
    urls = _LEADING_URLS.match(prompt).group(1)
    rest = prompt[len(urls) :]
    flag = _FIRST_FLAG.search(rest)
    words, flags = (rest[: flag.start()], rest[flag.start() :]) if flag else (rest, "")
    return urls.strip(), words.strip(), flags.strip()


class AssistError(Exception):
    """A helper call that could not be made; the message is for the person."""


def prompt_enhance(key: ProviderKey, prompt: str) -> str:
    """A richer prompt from POST /tools/prompt-extend (https://platform.imaginepro.ai/ai-agent-skill; §3.14; free, synchronous).

    Leading image URLs and trailing Midjourney flags are kept as typed; only the words in
    between are sent. Returns the whole new prompt. Raises AssistError (with a sentence for
    the person) when there are no words, or the provider refuses, fails or times out.
    """
    urls, words, flags = split_prompt(prompt)
    if not words:
        raise AssistError("Type a few words first: there is nothing to enhance yet.")
    try:
        enhanced = _client(key, ASSIST_TIMEOUT).prompt_extend(words)
    except ProviderError as exc:
        raise AssistError(f"Could not enhance the prompt: {exc.describe()}") from exc
    return " ".join(part for part in (urls, enhanced, flags) if part)


# --- prompt check -----------------------------------------------------------------------------


def prompt_refusal(key: ProviderKey, prompt: str) -> str | None:
    """Ask POST /nova/prompt-check (D:232398062; §3.9) whether Midjourney would take `prompt`.

    Returns the provider's reason when it refuses (`{"status": "FAIL", "message": …}`),
    None when it accepts. When the check itself cannot be made (timeout, 5xx, 429, a refused
    key) this also returns None: the check only approximates Midjourney's rules and costs
    nothing, so it must not block a submit; the provider still decides on the real job.
    Never raises ProviderError. Called by the submit task (submit._prompt_refusal).
    """
    try:
        answer = _client(key, ASSIST_TIMEOUT).prompt_check(prompt)
    except ProviderError as exc:
        log.info("prompt check skipped: %s", exc.describe())
        return None
    return None if answer.ok else (answer.message or "Refused.")


# --- balance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """A key's credits (GET /subscription/account-info, D:240330451), or why they are unknown.

    `credits` is the remaining plan credits plus purchased extra credits (`credits` +
    `creditsExtra`; §3.10 names them, their meaning is our reading); None when unavailable,
    with `error` saying why.
    """

    key_name: str
    is_sandbox: bool
    credits: int | None = None
    key_url: str = ""  # where the key is managed (ProviderKey.settings_url)
    key_id: str = ""  # the key's id, so a link can open its wallet page on it
    # ImagineLab's wallet (GET /credits/wallet, https://api.imagineview.art) rather than ImaginePro's account;
    # `needs_login` when its sign-in expired (the header asks to sign in again).
    is_imaginelab: bool = False
    needs_login: bool = False
    plan_credits: int | None = None
    extra_credits: int | None = None
    plan: str = ""
    error: str = ""

    @property
    def display(self) -> str:
        """The balance for a person: "1,590 credits", or "balance unavailable"."""
        if self.credits is None:
            return "balance unavailable"
        return f"{self.credits:,} credit{'' if self.credits == 1 else 's'}"


def balance_key(user: AbstractBaseUser, workspace: Workspace = PERSONAL) -> ProviderKey | None:
    """The key whose balance the header shows in `workspace`: the one used last there
    (its newest generation's with a key this person may use), else the workspace's newest
    key; None when there is none."""
    keys = access.workspace_keys(workspace, user)
    last = (
        selectors.workspace_generations(workspace, user)
        .filter(provider_key__in=keys)
        .select_related("provider_key")
        .order_by("-created_at")
        .first()
    )
    if last is not None:
        return last.provider_key
    return keys.first()


def _cache_key(key: ProviderKey) -> str:
    # The newest submit or finish on the key is part of the name, so a balance read before
    # credits moved is never reused after; this holds across processes and a per-process
    # cache (the worker, which submits, runs in another process than the web).
    moved = key.generations.aggregate(s=Max("submitted_at"), f=Max("finished_at"))
    stamps = [stamp.timestamp() for stamp in moved.values() if stamp]
    return f"studio:balance:{key.pk}:{max(stamps, default=0):.3f}"


def _int(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def recent_balance(key: ProviderKey) -> Balance | None:
    """The key's balance if it was read within BALANCE_TTL seconds and no credits moved on
    the key since (the header's figure), else None; never asks the provider."""
    return cache.get(_cache_key(key))


def key_balance(key: ProviderKey) -> Balance:
    """The key's balance, reused for BALANCE_TTL seconds (BALANCE_ERROR_TTL when the provider
    could not tell). Never raises: a failure is a Balance with `error`."""
    name = _cache_key(key)
    cached = cache.get(name)
    if cached is not None:
        return cached
    base = {
        "key_name": key.name,
        "is_sandbox": key.is_sandbox,
        "key_url": key.settings_url,
        "key_id": str(key.pk),
    }
    if registry.capabilities(key.provider).wallet:
        balance = _wallet_balance(key, base)
        cache.set(name, balance, BALANCE_TTL if balance.credits is not None else BALANCE_ERROR_TTL)
        return balance
    try:
        info = _client(key, BALANCE_TIMEOUT).account_info()
    except ProviderError as exc:
        balance = Balance(**base, error=exc.describe())
    else:
        plan, extra = _int(info.get("credits")), _int(info.get("creditsExtra"))
        if plan is None:
            balance = Balance(**base, error="The provider's answer held no credits.")
        else:
            balance = Balance(
                **base,
                credits=plan + (extra or 0),
                plan_credits=plan,
                extra_credits=extra or 0,
                plan=str(info.get("type") or ""),
            )
    cache.set(name, balance, BALANCE_TTL if balance.credits is not None else BALANCE_ERROR_TTL)
    return balance


def _wallet_balance(key: ProviderKey, base: dict) -> Balance:
    """The wallet of a key whose provider keeps one (GET /credits/wallet) as a Balance; a
    refused sign-in marks the key as needing a new one (the header says so)."""
    try:
        wallet = registry.client_for(key, timeout=BALANCE_TIMEOUT).wallet()
    except ProviderError as exc:
        if token_refused(key, exc):
            return Balance(
                **base, is_imaginelab=True, needs_login=True, error="Sign in to ImagineLab again."
            )
        return Balance(**base, is_imaginelab=True, error=exc.describe())
    return Balance(**base, is_imaginelab=True, credits=wallet.balance)


def balance_forget(key: ProviderKey) -> None:
    """Drop the key's cached balance (after a submit, so the next read asks the provider)."""
    cache.delete(_cache_key(key))
