"""The budgets form: the team's monthly cap and one per member (empty: no cap)."""

from __future__ import annotations

from django import forms

from studio.credits.budgets import MemberRow
from studio.teams.models import Team

# Membership.monthly_cap is a PositiveIntegerField: keep within what every database stores.
CAP_MAX = 2_000_000_000


def _cap_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=CAP_MAX,
        error_messages={
            "invalid": "Enter a whole number of credits, or leave it empty for no cap.",
            "min_value": "A cap cannot be negative; leave it empty for no cap.",
            "max_value": f"At most {CAP_MAX:,} credits.",
        },
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "placeholder": "no cap"}),
    )


class BudgetsForm(forms.Form):
    """`team_cap` and `cap_<membership id>` for each member row."""

    def __init__(self, *args, team: Team, rows: list[MemberRow], **kwargs):
        initial = {"team_cap": team.monthly_cap}
        initial.update({f"cap_{row.membership.pk}": row.membership.monthly_cap for row in rows})
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["team_cap"] = _cap_field(f"Monthly cap of {team.name}")
        self.rows = rows
        for row in rows:
            self.fields[f"cap_{row.membership.pk}"] = _cap_field(
                f"Monthly cap of {row.membership.user.get_username()}"
            )

    @property
    def members(self) -> list[tuple[MemberRow, forms.BoundField]]:
        """Each member row with its cap field, for the template."""
        return [(row, self[f"cap_{row.membership.pk}"]) for row in self.rows]

    @property
    def member_caps(self) -> dict[int, int | None]:
        return {
            row.membership.pk: self.cleaned_data[f"cap_{row.membership.pk}"] for row in self.rows
        }
