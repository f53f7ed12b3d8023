"""The staff console's own state: the audit log and which DIY-plan key the console uses."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One staff action: who, when, what on which target, and what the provider answered.

    `action` is a short dotted name ("queue.pause", "token.toggle", "banwords.update", …);
    `target` names the object acted on (an account id, a token id, a message id); `details`
    holds the request's inputs (never a secret); `answer` is the provider's answer or status
    text as shown to the staff member; `ok` is False when the provider refused or failed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="console_audit_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    target = models.CharField(max_length=200, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    answer = models.TextField(blank=True, default="")
    ok = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        who = self.user.get_username() if self.user else "?"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who} {self.action} {self.target}".strip()

    @property
    def details_text(self) -> str:
        """`details` as compact JSON for the audit page."""
        return json.dumps(self.details, ensure_ascii=False, sort_keys=True)


class ConsoleSettings(models.Model):
    """A single row: the DIY-plan key the console talks to the provider with.

    Use `ConsoleSettings.load()`; the key is one a staff member stored on their Keys page.
    """

    diy_key = models.ForeignKey(
        "accounts.ProviderKey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "console settings"

    def __str__(self) -> str:
        return f"Console settings (key {self.diy_key_id or 'not chosen'})"

    @classmethod
    def load(cls) -> ConsoleSettings:
        """The single settings row (pk 1), created empty on first use."""
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class ConsoleCommand(models.Model):
    """A Midjourney bot command a staff member sent to a linked token (POST /nova/commands,
    https://docs.imaginepro.ai/api-254009155): the messageId it answered, and the bot's answer once a task has polled it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the bot"
        DONE = "done", "Answered"
        FAILED = "failed", "Failed"

    key = models.ForeignKey(
        "accounts.ProviderKey", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_id = models.CharField(max_length=40)
    cmd = models.CharField(max_length=10)
    message_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    result = models.TextField(blank=True, help_text="the bot's answer")
    error = models.TextField(blank=True, help_text="why no answer came, as a sentence")
    mode_after = models.CharField(
        max_length=10,
        blank=True,
        help_text="the token's mode as the provider reported it once the bot answered",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"/{self.cmd} on token {self.token_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.PENDING
