"""Public share links: an expiring, revocable address to one generation or one collection.

Whoever holds the link sees the shared images and their prompts, nothing else of the
workspace, without an account (views.public). A link is valid until `expires_at` and
stops at once when revoked (`revoked_at`) or when its maker can no longer see the object.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

# Lifetimes a person may choose, in days.
EXPIRY_DAYS = (1, 7, 30)


def share_token() -> str:
    """43 URL-safe characters (256 random bits): not guessable, fine in a path."""
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    token = models.CharField(max_length=64, unique=True, default=share_token, editable=False)
    generation = models.ForeignKey(
        "generation.Generation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    collection = models.ForeignKey(
        "library.Collection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Exactly one thing is shared by a link.
            models.CheckConstraint(
                condition=Q(generation__isnull=False, collection__isnull=True)
                | Q(generation__isnull=True, collection__isnull=False),
                name="share_link_one_object",
            )
        ]

    def __str__(self) -> str:
        what = f"generation {self.generation_id}" if self.generation_id else "collection"
        return f"share link to {what}"

    def get_absolute_url(self) -> str:
        return reverse("sharing:public", args=[self.token])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def state(self) -> str:
        """ "active", "expired" or "revoked", for lists."""
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired else "active"
