"""The credits ledger: one row per change to what a generation costs.

A generation is charged its cost from the provider's table when it is saved
(`ledger.charge`), corrected once where the provider reports the real cost
(`ledger.correct`), and refunded once when it fails or is cancelled (`ledger.refund`).
What a member or a team spent in a month is the sum of `credits` over their rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    CHARGE = "charge", "Charge"  # the cost at submit, from the provider's table
    CORRECTION = "correction", "Correction"  # the provider's real cost minus what we charged
    REFUND = "refund", "Refund"  # the job failed or was cancelled: its net cost reversed


class LedgerEntry(models.Model):
    """A signed amount of credits booked for one generation.

    `generation` is SET_NULL so history (and the month's totals) survive a deletion; `user`,
    `team` and `model` are copies taken at booking time for the same reason. `team` None is
    the maker's personal workspace. `created_at` is when the entry was booked (UTC months).
    """

    generation = models.ForeignKey(
        "generation.Generation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_entries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="ledger_entries",
        help_text="who made the generation (kept null if the account is deleted)",
    )
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ledger_entries",
    )
    # A copy of Generation.model (no choices here: new models must not need a migration).
    model = models.CharField(max_length=20)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    credits = models.IntegerField(help_text="signed: charges > 0, refunds < 0")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "ledger entries"
        indexes = [
            # Per-month sums: a team's, a member's in a team, a person's personal workspace.
            models.Index(fields=["team", "created_at"], name="ledger_team_month"),
            models.Index(fields=["team", "user", "created_at"], name="ledger_member_month"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["generation"],
                condition=Q(kind="charge"),
                name="ledger_one_charge_per_generation",
            ),
            models.UniqueConstraint(
                fields=["generation"],
                condition=Q(kind="correction"),
                name="ledger_one_correction_per_generation",
            ),
            models.UniqueConstraint(
                fields=["generation"],
                condition=Q(kind="refund"),
                name="ledger_one_refund_per_generation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.credits:+d} for {self.generation_id}"
