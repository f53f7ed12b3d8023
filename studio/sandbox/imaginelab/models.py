"""Tables of the ImagineLab sandbox (app label `sandbox`): accounts, sign-in tokens and
generations. A generation's timeline (when it leaves `pending`, when it ends, completed or
failed) is decided when it is created, so every web worker computes the same status from the
clock alone, as the ImaginePro sandbox does (studio/sandbox/imaginepro/lifecycle.py)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class SandboxLabAccount(models.Model):
    """A simulated ImagineLab account: email and password (hashed like Django's), a wallet,
    an optional dedicated API key (stored as its sha256), and the rate-limit window."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    password = models.CharField(max_length=128, help_text="Django password hash")
    credits = models.IntegerField(help_text="wallet balance")
    api_key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    api_key_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Rate limit (views.py): requests counted in a one-second window opened by the first one.
    rate_window_start = models.DateTimeField(null=True, blank=True)
    rate_count = models.PositiveIntegerField(default=0)
    force_429 = models.PositiveIntegerField(
        default=0, help_text="the next N authenticated requests answer 429 (fault injection)"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email


class SandboxLabToken(models.Model):
    """A bearer token from POST /auth/login, stored as its sha256, valid until `expires_at`."""

    account = models.ForeignKey(SandboxLabAccount, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token {self.pk} of {self.account_id}"


class SandboxLabGeneration(models.Model):
    """One generation (https://api.imagineview.art "Create a generation"): integer id, its resolved settings, the
    credits reserved at creation, and its planned timeline."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed"
        FAILED = "failed"

    account = models.ForeignKey(
        SandboxLabAccount, on_delete=models.CASCADE, related_name="generations"
    )
    generation_type = models.CharField(max_length=20)
    model_name = models.CharField(max_length=100)
    prompt = models.TextField()
    settings = models.JSONField(default=dict, blank=True, help_text="resolved, defaults filled")
    project_id = models.BigIntegerField(null=True, blank=True)
    credit_cost = models.IntegerField()
    seed = models.BigIntegerField()
    # Output files are public (like a CDN) under an unguessable key, not the integer id.
    file_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    processing_at = models.DateTimeField(help_text="end of pending")
    done_at = models.DateTimeField(help_text="when processing would complete")
    ends_at = models.DateTimeField(help_text="terminal moment")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.TextField(blank=True)
    refunded = models.BooleanField(default=False, help_text="a failed job's credits returned")
    files_ready = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.generation_type} {self.pk}"
