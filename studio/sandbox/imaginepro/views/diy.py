"""HTTP face of the DIY plan (this package): Discord tokens, traces, bot commands, and the
provisional queue, ban-list and linked-account routes of docs/architecture.md "Providers". Every route needs a DIY
account (403 otherwise), after the usual bearer check of `api`."""

from __future__ import annotations

from django.http import HttpRequest

from ...models import SandboxAccount, SandboxJob
from .. import services
from ..diy import banlist, commands
from ..diy import queue as queues
from ..diy import tokens as linked
from ..payloads import submit_response
from ..validation import parse_json, read_base
from . import api, root_url


def _diy(*methods: str, on: str = "other"):
    """`api(*methods, on=on)` plus the DIY-plan check; `view(request, account, **kwargs)`."""

    def decorator(view):
        def wrapper(request: HttpRequest, account: SandboxAccount, *args, **kwargs):
            linked.require_diy(account)
            return view(request, account, *args, **kwargs)

        wrapper.__doc__ = view.__doc__
        wrapper.__name__ = view.__name__
        return api(*methods, on=on)(wrapper)

    return decorator


@_diy("GET")
def tokens(request: HttpRequest, account) -> list:
    """GET discord/tokens (OLD:/list-tokens) → array of token objects."""
    return linked.tokens_list(account)


@_diy("GET", "PUT")
def token(request: HttpRequest, account, *, token_id: str) -> list:
    """GET discord/token/{id} (D:216008264) → [token]; PUT `{"isActive": bool}`
    (OLD:/toggle-tokens) → [token without info]."""
    if request.method == "PUT":
        is_active = linked.read_is_active(parse_json(request.body))
        return linked.token_toggle(account, token_id, is_active)
    return linked.token_detail(account, token_id)


@_diy("GET")
def trace(request: HttpRequest, account, *, message_id: str) -> dict:
    """GET message/trace/{messageId} (D:236382162) → which token ran the job."""
    job = services.find_message(account, message_id)
    return commands.trace(job)


@_diy("POST", on="submit")
def command(request: HttpRequest, account, *, endpoint: str) -> dict:
    """POST nova/commands (https://docs.imaginepro.ai/api-254009155): `{"cmd", "tokenId"}` → submit response; the message
    is DONE shortly with the bot's answer as its `prompt`. Free."""
    data = parse_json(request.body)
    cmd, token_id = commands.read_command(data)
    base = read_base(data)
    linked.ensure_tokens(account)
    token_row = linked.account_token(account, token_id)
    answer = commands.run_command(account, token_row, cmd)
    job = services.create_job(
        account,
        cost=0,
        pace="command",
        planned_error="",
        fields={
            "kind": SandboxJob.Kind.COMMAND,
            "action": cmd,
            "prompt": f"/{cmd}",
            "answer": answer,
            "token": token_row,
            "seed": 0,
            "shape": SandboxJob.Shape.NONE,
            "width": 1,
            "height": 1,
            "count": 0,
        },
        req_base=base,
        endpoint=endpoint,
        base_url=root_url(request),
        body=data,
    )
    return submit_response(job)


@_diy("GET")
def queue_count(request: HttpRequest, account) -> dict:
    """GET diy/queue/count (provisional) → `{"count", "running", "paused", "pausedAt"}`."""
    return queues.queue_count(account)


@_diy("POST")
def queue_pause(request: HttpRequest, account) -> dict:
    """POST diy/queue/pause (provisional)."""
    return queues.queue_pause(account)


@_diy("POST")
def queue_resume(request: HttpRequest, account) -> dict:
    """POST diy/queue/resume (provisional)."""
    return queues.queue_resume(account)


@_diy("POST")
def queue_reboot(request: HttpRequest, account) -> dict:
    """POST diy/queue/reboot (provisional): running jobs fail, queued ones stay."""
    return queues.queue_reboot(account)


@_diy("GET", "POST")
def ban_words(request: HttpRequest, account) -> dict:
    """GET diy/ban-words → `{"words"}`; POST `{"words": [...]}` replaces the list
    (provisional). Submits whose prompt holds a listed word get 400."""
    if request.method == "POST":
        return banlist.ban_words_set(account, banlist.read_ban_words(parse_json(request.body)))
    account.refresh_from_db(fields=["ban_words"])
    return {"words": list(account.ban_words or [])}


@_diy("GET")
def accounts(request: HttpRequest, account) -> list:
    """GET diy/accounts (provisional) → array of linked accounts."""
    return queues.accounts_list(account)


@_diy("GET")
def account_queue(request: HttpRequest, account, *, token_id: str) -> dict:
    """GET diy/accounts/{id}/queue (provisional)."""
    return queues.account_queue(account, token_id)
