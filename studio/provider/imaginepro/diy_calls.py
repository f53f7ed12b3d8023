"""The ImaginePro DIY-plan calls (linked Discord tokens, traces, bot commands, the queue, the
ban list, linked accounts). A mixin of ImagineProClient; the answers are read by diy.py.
"""

from __future__ import annotations

from typing import Any

from studio.provider.imaginepro import diy
from studio.provider.imaginepro.paths import path_id, path_part
from studio.provider.messages import SubmitResult


class DiyCalls:
    """DIY-plan calls; they use the host client's `_read`, `_submit` and `_base`."""

    def discord_tokens(self) -> list[diy.DiscordToken]:
        """GET /discord/tokens (OLD:/list-tokens): the linked Discord tokens with their
        status, concurrency and `/info`. 403 on other plans."""
        return self._read("GET", "discord_tokens", diy.parse_tokens, "token list")

    def discord_token(self, token_id: int | str) -> diy.DiscordToken:
        """GET /discord/token/{id} (D:216008264; documented as an array of one token)."""
        return self._read(
            "GET", "discord_token", diy.parse_one_token, "token", token_id=path_id(token_id)
        )

    def discord_token_toggle(self, token_id: int | str, is_active: bool) -> diy.DiscordToken:
        """PUT /discord/token/{id} `{"isActive": bool}` (OLD:/toggle-tokens): the updated
        token; its `info` is usually left out of this answer."""
        return self._read(
            "PUT",
            "discord_token",
            diy.parse_one_token,
            "token",
            json={"isActive": bool(is_active)},
            token_id=path_id(token_id),
        )

    def message_trace(self, message_id: str) -> diy.Trace:
        """GET /message/trace/{messageId} (D:236382162): which token ran the job, with that
        token's info. 404 for an unknown job."""
        return self._read(
            "GET", "message_trace", diy.parse_trace, "trace", message_id=path_part(message_id)
        )

    def command(self, *, cmd: str, token_id: int | str, **base: Any) -> SubmitResult:
        """POST /nova/commands (https://docs.imaginepro.ai/api-254009155): run a Midjourney bot command
        (`cmd`: info, fast, relax or turbo) on linked token `token_id`. Answers a
        messageId; poll it with fetch_message (the bot's answer arrives as its `prompt`)."""
        if cmd not in ("info", "fast", "relax", "turbo"):
            raise ValueError(f"unknown command {cmd!r}")
        body = {"cmd": cmd, "tokenId": int(path_id(token_id)), **self._base(**base)}
        return self._submit("commands", body)

    def queue_count(self) -> diy.QueueState:
        """GET /diy/queue/count (provisional): jobs waiting in the DIY queue."""
        return self._read("GET", "diy_queue_count", diy.parse_queue_state, "queue")

    def queue_pause(self) -> diy.QueueState:
        """POST /diy/queue/pause (provisional): queued jobs wait until resumed."""
        return self._read("POST", "diy_queue_pause", diy.parse_queue_state, "queue", json={})

    def queue_resume(self) -> diy.QueueState:
        """POST /diy/queue/resume (provisional)."""
        return self._read("POST", "diy_queue_resume", diy.parse_queue_state, "queue", json={})

    def queue_reboot(self) -> diy.QueueState:
        """POST /diy/queue/reboot (provisional): restarts the queue; running jobs fail."""
        return self._read("POST", "diy_queue_reboot", diy.parse_queue_state, "queue", json={})

    def ban_words(self) -> list[str]:
        """GET /diy/ban-words (provisional) → the provider-side ban list of the account."""
        return self._read("GET", "diy_ban_words", diy.parse_ban_words, "ban list")

    def ban_words_update(self, words: list[str]) -> list[str]:
        """POST /diy/ban-words `{"words": [...]}` (provisional): replace the list; returns
        the list as the provider stored it (trimmed, deduplicated)."""
        return self._read(
            "POST",
            "diy_ban_words",
            diy.parse_ban_words,
            "ban list",
            json={"words": [str(word) for word in words]},
        )

    def diy_accounts(self) -> list[diy.LinkedAccount]:
        """GET /diy/accounts (provisional): linked accounts with status and job counts."""
        return self._read("GET", "diy_accounts", diy.parse_accounts, "linked account list")

    def diy_account_queue(self, account_id: int | str) -> diy.AccountQueue:
        """GET /diy/accounts/{id}/queue (provisional): one linked account's jobs."""
        account_id = path_id(account_id)
        return self._read(
            "GET",
            "diy_account_queue",
            lambda data: diy.parse_account_queue(data, account_id),
            "account queue",
            account_id=account_id,
        )
