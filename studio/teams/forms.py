"""The team pages' forms. They check shapes; the rules are in studio.teams.services."""

from __future__ import annotations

from django import forms

from studio.accounts.forms import KeyForm, LabKeyForm, LabSignInForm
from studio.teams.models import Role
from studio.teams.services import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS


class TeamNameForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=80)


class InviteForm(forms.Form):
    invitee = forms.CharField(
        label="Email or username",
        max_length=254,
        help_text="An email address (they may sign up with it) or the username of an account here.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CREATOR)
    days = forms.TypedChoiceField(
        label="The link works for",
        choices=[(days, f"{days} day{'s' if days > 1 else ''}") for days in EXPIRY_DAYS],
        coerce=int,
        initial=DEFAULT_EXPIRY_DAYS,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TeamKeyForm(KeyForm):
    """An ImaginePro key for a team: like a personal one, but shown by its name only."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["api_key"].help_text = (
            "From the team's ImaginePro dashboard (Setup). Stored encrypted; afterwards "
            "members, owners included, see only the key's name."
        )


class TeamLabKeyForm(LabKeyForm):
    """A dedicated ImagineLab API key for a team (field names prefixed "lab-")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["api_key"].help_text = (
            "A dedicated key from the team's ImagineLab plan. Stored encrypted; afterwards "
            "members, owners included, see only the key's name."
        )


class TeamLabSignInForm(LabSignInForm):
    """The team's ImagineLab account, email and password (field names prefixed "signin-"):
    the studio keeps the token it gives, never the password."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = (
            "Sent once to ImagineLab for a sign-in token; the team keeps the token "
            "(encrypted), never the password. When the token expires, an owner signs in "
            "again here."
        )
