"""People's provider keys. Users and auth are Django's own."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from studio.accounts import crypto


class ProviderKey(models.Model):
    """An ImaginePro API key a person stored, encrypted at rest.

    The plaintext is never rendered back: the UI shows `name` and `last4` only. A key with
    `is_sandbox` talks to the studio's own simulator (settings.SANDBOX_BASE_URL) instead of
    settings.IMAGINEPRO_BASE_URL; the client code is the same for both.
    """

    PROVIDER_IMAGINEPRO = "imaginepro"
    PROVIDER_IMAGINELAB = "imaginelab"
    PROVIDER_CHOICES = [(PROVIDER_IMAGINEPRO, "ImaginePro"), (PROVIDER_IMAGINELAB, "ImagineLab")]
    # ImagineLab: a dedicated API key, or a bearer token got by signing in (the password is
    # never stored; `login_email` is kept to prefill the next sign-in).
    AUTH_KEY = "key"
    AUTH_TOKEN = "token"
    AUTH_CHOICES = [(AUTH_KEY, "API key"), (AUTH_TOKEN, "Signed-in token")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_keys"
    )
    provider = models.CharField(
        max_length=20, choices=PROVIDER_CHOICES, default=PROVIDER_IMAGINEPRO
    )
    # A team's key: its creators spend with it, nobody sees it; `user` is who added it.
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="keys"
    )
    name = models.CharField(max_length=80)
    auth = models.CharField(max_length=10, choices=AUTH_CHOICES, default=AUTH_KEY)
    login_email = models.EmailField(blank=True)
    # Set when the provider refused the token (expired): work waits until the person signs in.
    needs_login_since = models.DateTimeField(null=True, blank=True)
    is_sandbox = models.BooleanField(default=False)
    api_key_encrypted = models.TextField(editable=False)
    # The password of a simulated ImagineLab account opened by "Use the ImagineLab sandbox"
    # (encrypted like a key, shown to its owner: a simulator holds no one's data); "" else.
    sandbox_password_encrypted = models.TextField(blank=True, default="", editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The provider allows about one submit per 3 s per key (SYS): the worker claims a slot.
    next_submit_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        # A signed-in key is known by its account's email, not a token's last letters.
        if self.auth == self.AUTH_TOKEN and self.login_email:
            return f"{self.name} ({self.login_email})"
        return f"{self.name} (…{self.last4})"

    @sensitive_variables("value")
    def set_api_key(self, value: str) -> None:
        self.api_key_encrypted = crypto.encrypt(value)
        self.last4 = value[-4:]

    @property
    def api_key(self) -> str:
        """The plaintext key, decrypted on demand. Never log, render or enqueue it."""
        return crypto.decrypt(self.api_key_encrypted)

    def set_sandbox_password(self, value: str) -> None:
        """Keep a sandbox account's password (refused for a real key: never stored)."""
        if not self.is_sandbox:
            raise ValueError("Only a sandbox account's password is kept.")
        self.sandbox_password_encrypted = crypto.encrypt(value) if value else ""

    @property
    def sandbox_password(self) -> str:
        """The sandbox account's password, or "" when none was kept."""
        if not self.sandbox_password_encrypted:
            return ""
        return crypto.decrypt(self.sandbox_password_encrypted)

    @property
    def base_url(self) -> str:
        if self.provider == self.PROVIDER_IMAGINELAB:
            if self.is_sandbox:
                return settings.SANDBOX_IMAGINELAB_BASE_URL
            return settings.IMAGINELAB_BASE_URL
        if self.is_sandbox:
            return settings.SANDBOX_BASE_URL
        return settings.IMAGINEPRO_BASE_URL

    @property
    def settings_url(self) -> str:
        """Where the key is managed (renamed, signed in again): the team's page for a team's
        key, else the person's Keys page; anchored at the key."""
        if self.team_id is not None:
            return f"{reverse('teams:detail', args=[self.team_id])}#key-{self.pk}"
        return f"{reverse('keys')}#key-{self.pk}"

    @property
    def is_imaginelab(self) -> bool:
        return self.provider == self.PROVIDER_IMAGINELAB

    @property
    def masked(self) -> str:
        return f"••••{self.last4}"
