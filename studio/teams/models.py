"""Teams: people who share a gallery, its keys and a budget (docs/architecture.md "People").

A generation belongs to the workspace of the key that paid for it: `ProviderKey.team` is
None for a personal key and set for a team's key, and `Generation.team` follows it
(children follow their parent). Access rules live in `studio.teams.access`.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    """Ordered from least to most: a role includes what the ones before it may do."""

    VIEWER = "viewer", "Viewer"  # sees the team gallery
    CREATOR = "creator", "Creator"  # generates and presses buttons with the team's keys
    OWNER = "owner", "Owner"  # manages members, keys and budgets


ROLE_RANK = {Role.VIEWER: 0, Role.CREATOR: 1, Role.OWNER: 2}


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    monthly_cap = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="credits per calendar month for the whole team; empty: none",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CREATOR)
    monthly_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="credits per calendar month for this member; empty: none"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    def allows(self, role: str) -> bool:
        """True when this member's role is `role` or above."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An invitation link for one person (by email or username) that expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CREATOR)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation to {self.team} for {self.email or self.username}"
