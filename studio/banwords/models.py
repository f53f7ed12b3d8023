"""Our own banned-word list, kept as numbered versions.

The current list is the newest version. Editing saves a new version; reverting to version N
saves a new version with N's words and `reverted_from` = N. History is never rewritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BanListVersion(models.Model):
    """One version of the whole list.

    `words`: entries in canonical form (matching.normalize_entry), sorted, without
    duplicates. `number` counts from 1 and is unique: two staff saving at once cannot both
    make the same version (services.save_version retries on the clash).
    """

    number = models.PositiveIntegerField(unique=True)
    words = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True, default="")
    reverted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Ban list v{self.number} ({len(self.words)} entries)"
