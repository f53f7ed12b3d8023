"""DIY bot commands (`POST /nova/commands`: info, fast, relax, turbo) and message traces."""

from __future__ import annotations

from ... import clock
from ...models import SandboxAccount, SandboxDiscordToken, SandboxJob
from ..validation import ApiError, bad_request, is_int
from .tokens import queue_counts, token_info, token_status

COMMANDS = ("relax", "fast", "turbo", "info")


# --- commands -----------------------------------------------------------------------------


def read_command(data: dict) -> tuple[str, object]:
    """`cmd` (relax|fast|turbo|info; null or absent → info) and `tokenId` (required integer)
    of POST /nova/commands (https://docs.imaginepro.ai/api-254009155), else 400 in class-validator's words."""
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
    counts = queue_counts(account, clock.now()).get(token.pk)
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
    counts = queue_counts(job.account, clock.now()).get(token.pk)
    return {
        "messageId": str(job.id),
        "tokenId": token.pk,
        "discordChannelId": token.channel_id,
        "tokenStatus": token_status(token),
        "tokenInfo": token_info(token, counts),
    }
