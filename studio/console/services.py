"""Staff console logic: the console's DIY key and every call it makes to the provider.

Each change (pause, resume, reboot, token toggle, bot command, key choice) and each trace
lookup is written to the audit log with the provider's answer; a failure becomes a
`ConsoleError` whose text is one sentence for the page and is audited with ok=False.
Provider routes: docs/provider-contract.md §3.18 and the provisional DIY routes of docs/architecture.md
"Providers" (see studio.provider.imaginepro PATHS).
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.console import display, enqueue
from studio.console.audit import record
from studio.console.models import AuditEntry, ConsoleCommand, ConsoleSettings
from studio.provider.errors import ProviderError
from studio.provider.imaginepro import diy
from studio.provider.imaginepro.client import ImagineProClient
from studio.provider.messages import DONE

# (connect, read) seconds: a staff page waits on these calls.
TIMEOUT = (3.0, 10.0)
NO_KEY = (
    "The console has no DIY key yet: choose one of your keys on the DIY key page "
    "(the sandbox works too)."
)
COMMANDS = {
    "info": "Info",
    "fast": "Fast mode",
    "relax": "Relax mode",
    "turbo": "Turbo mode",
}
# A bot command is polled by a task for this long (s), once per COMMAND_POLL_INTERVAL s.
COMMAND_POLL_SECONDS = 75.0
COMMAND_POLL_INTERVAL = 1.0
# A failed read on a page that refreshes itself is audited once per this window.
READ_FAILURE_WINDOW = timedelta(minutes=1)
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class ConsoleError(Exception):
    """Why a console action or read did not happen, as a sentence for the page."""


# --- the console's key ---------------------------------------------------------------------


def console_key() -> ProviderKey | None:
    """The DIY-plan key staff chose for the console, or None."""
    return ConsoleSettings.load().diy_key


def choosable_keys(user):
    """The keys a staff member may choose: their own personal keys (Keys page)."""
    return ProviderKey.objects.filter(user=user, team__isnull=True).order_by("-created_at")


@sensitive_variables("key")
def client_for(key: ProviderKey) -> ImagineProClient:
    """An ImaginePro client for `key` with the console's short timeouts."""
    return ImagineProClient(base_url=key.base_url, api_key=key.api_key, timeout=TIMEOUT)


def _key_label(key: ProviderKey) -> str:
    return f"{key.name} ({key.masked}{', sandbox' if key.is_sandbox else ''})"


# --- calling the provider ------------------------------------------------------------------


def _need_key() -> ProviderKey:
    key = console_key()
    if key is None:
        raise ConsoleError(NO_KEY)
    return key


def _read(user, action: str, call, *, target: str = ""):
    """A read for a page. Failures are audited (once a minute per person, action and answer,
    since some pages refresh themselves) and raised as ConsoleError."""
    key = _need_key()
    try:
        return call(client_for(key))
    except ProviderError as exc:
        sentence = exc.describe()
        recent = AuditEntry.objects.filter(
            user=user,
            action=action,
            answer=sentence,
            ok=False,
            created_at__gte=timezone.now() - READ_FAILURE_WINDOW,
        )
        if not recent.exists():
            record(user, action, target=target, answer=sentence, ok=False)
        raise ConsoleError(sentence) from exc


def _act(user, action: str, call, *, target: str = "", details=None, answer):
    """A change at the provider, audited with its answer (`answer(result)` → text) or its
    error (ok=False, then ConsoleError)."""
    try:
        key = _need_key()
    except ConsoleError as exc:
        record(user, action, target=target, details=details, answer=str(exc), ok=False)
        raise
    try:
        result = call(client_for(key))
    except ProviderError as exc:
        sentence = exc.describe()
        record(user, action, target=target, details=details, answer=sentence, ok=False)
        raise ConsoleError(sentence) from exc
    record(user, action, target=target, details=details, answer=answer(result))
    return result


# --- queue ----------------------------------------------------------------------------------


def _queue_text(state: diy.QueueState) -> str:
    parts = [f"{state.count} job{'' if state.count == 1 else 's'} waiting"]
    if state.running is not None:
        parts.append(f"{state.running} running")
    if state.paused is not None:
        parts.append("paused" if state.paused else "running normally")
    return ", ".join(parts) + "."


def queue_state(user) -> diy.QueueState:
    """GET /diy/queue/count."""
    return _read(user, "queue.count", lambda c: c.queue_count(), target="queue")


def queue_pause(user) -> diy.QueueState:
    """POST /diy/queue/pause (audited "queue.pause")."""
    return _act(
        user,
        "queue.pause",
        lambda c: c.queue_pause(),
        target="queue",
        answer=lambda s: "Queue paused: " + _queue_text(s),
    )


def queue_resume(user) -> diy.QueueState:
    """POST /diy/queue/resume (audited "queue.resume")."""
    return _act(
        user,
        "queue.resume",
        lambda c: c.queue_resume(),
        target="queue",
        answer=lambda s: "Queue resumed: " + _queue_text(s),
    )


def queue_reboot(user) -> diy.QueueState:
    """POST /diy/queue/reboot (audited "queue.reboot"): running jobs fail, waiting ones stay;
    the answer says which (reboot_text)."""
    return _act(
        user,
        "queue.reboot",
        lambda c: c.queue_reboot(),
        target="queue",
        answer=lambda state: "Queue rebooted: " + display.reboot_text(state),
    )


# --- linked accounts and tokens ---------------------------------------------------------------


def accounts(user) -> list[diy.LinkedAccount]:
    """GET /diy/accounts."""
    return _read(user, "accounts.list", lambda c: c.diy_accounts())


def account_queue(user, account_id: str) -> diy.AccountQueue:
    """GET /diy/accounts/{id}/queue."""
    return _read(
        user,
        "accounts.queue",
        lambda c: c.diy_account_queue(account_id),
        target=f"account {account_id}",
    )


def tokens(user) -> list[diy.DiscordToken]:
    """GET /discord/tokens (the tokens themselves stay in memory; pages show `masked`)."""
    return _read(user, "tokens.list", lambda c: c.discord_tokens())


def token(user, token_id: str) -> diy.DiscordToken:
    """GET /discord/token/{id}."""
    return _read(
        user, "tokens.detail", lambda c: c.discord_token(token_id), target=f"token {token_id}"
    )


def token_toggle(user, token_id: str, is_active: bool) -> diy.DiscordToken:
    """PUT /discord/token/{id} `{"isActive"}` (audited "token.activate"/"token.deactivate")."""
    return _act(
        user,
        "token.activate" if is_active else "token.deactivate",
        lambda c: c.discord_token_toggle(token_id, is_active),
        target=f"token {token_id}",
        details={"isActive": is_active},
        answer=lambda t: (
            f"Token {t.id} is now {'active' if t.is_active else 'inactive'}"
            + (f" ({t.status})." if t.status else ".")
        ),
    )


# --- bot commands ------------------------------------------------------------------------------


def command_send(user, token_id: str, cmd: str) -> ConsoleCommand:
    """POST /nova/commands `{"cmd", "tokenId"}` (audited "command.send"); the answer's
    messageId is polled by a task (tasks.poll_command) that stores the bot's answer.
    Raises ConsoleError for an unknown command or a provider error."""
    if cmd not in COMMANDS:
        raise ConsoleError(f"Unknown command “{cmd}”: choose info, fast, relax or turbo.")
    key = console_key()
    sent = _act(
        user,
        "command.send",
        lambda c: c.command(cmd=cmd, token_id=token_id),
        target=f"token {token_id}",
        details={"cmd": cmd},
        answer=lambda s: f"Sent /{cmd}; messageId {s.message_id}.",
    )
    command = ConsoleCommand.objects.create(
        key=key, requested_by=user, token_id=str(token_id), cmd=cmd, message_id=sent.message_id
    )
    enqueue.enqueue_poll_command(command.pk)
    return command


def command_poll(command_id: int, *, seconds: float = COMMAND_POLL_SECONDS) -> str:
    """Task body: fetch the command's message (GET /message/fetch/{id}) until it is final
    or `seconds` pass, then store the bot's answer (its `prompt`) or the reason there is
    none; once answered, the token is read again and the mode the provider reports is
    kept (`mode_after`). Returns the command's status. Never runs in a web request."""
    command = ConsoleCommand.objects.select_related("key").filter(pk=command_id).first()
    if command is None or command.is_final:
        return "gone" if command is None else command.status
    if command.key is None:
        return _command_finish(command, error="The key it was sent with was deleted.")
    client = client_for(command.key)
    deadline = time.monotonic() + seconds
    while True:
        try:
            message = client.fetch_message(command.message_id)
        except ProviderError as exc:
            if not exc.retryable:
                return _command_finish(command, error=exc.describe())
        else:
            if message.is_final:
                if message.status == DONE:
                    return _command_finish(
                        command,
                        result=message.prompt or "(no text)",
                        mode_after=_mode_now(client, command.token_id),
                    )
                return _command_finish(command, error=message.error)
        if time.monotonic() >= deadline:
            return _command_finish(
                command,
                error=f"No answer from the bot within {int(seconds)} s; ask for Info again later.",
            )
        time.sleep(COMMAND_POLL_INTERVAL)


def _mode_now(client: ImagineProClient, token_id: str) -> str:
    """The token re-read after its command (GET /discord/token/{id}): the mode the provider
    reports now ("Fast", "Relax", "Turbo"), or "" when it cannot be read."""
    try:
        return client.discord_token(token_id).mode
    except ProviderError:
        return ""


def _command_finish(
    command: ConsoleCommand, *, result: str = "", error: str = "", mode_after: str = ""
) -> str:
    status = ConsoleCommand.Status.FAILED if error else ConsoleCommand.Status.DONE
    with transaction.atomic():
        finished = ConsoleCommand.objects.filter(
            pk=command.pk, status=ConsoleCommand.Status.PENDING
        ).update(
            status=status,
            result=result,
            error=error,
            mode_after=mode_after,
            finished_at=timezone.now(),
        )
        if finished:
            details = {"cmd": command.cmd, "messageId": command.message_id}
            if mode_after:
                details["modeAfter"] = mode_after
            record(
                command.requested_by,
                "command.result",
                target=f"token {command.token_id}",
                details=details,
                answer=error or result,
                ok=not error,
            )
    return status


def recent_commands(token_id: str, limit: int = 5):
    """The last commands sent to a token, newest first."""
    return ConsoleCommand.objects.filter(token_id=str(token_id)).select_related("requested_by")[
        :limit
    ]


# --- trace ------------------------------------------------------------------------------------


def clean_message_id(raw: str) -> str:
    """A pasted messageId, trimmed; ConsoleError when it cannot be one (letters, digits,
    dashes and underscores, at most 100)."""
    value = (raw or "").strip()
    if not value:
        raise ConsoleError("Paste a messageId.")
    if not _MESSAGE_ID.fullmatch(value):
        raise ConsoleError(
            "A messageId has only letters, digits and dashes, "
            "like d15c1541-229a-442b-9873-d3494dede12a."
        )
    return value


def trace(user, message_id: str) -> diy.Trace:
    """GET /message/trace/{messageId} (audited "trace.lookup")."""
    return _act(
        user,
        "trace.lookup",
        lambda c: c.message_trace(message_id),
        target=message_id,
        answer=lambda t: (
            f"Ran on token {t.token_id}" + (f" ({t.token_status})." if t.token_status else ".")
        ),
    )
