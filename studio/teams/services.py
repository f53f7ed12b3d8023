"""Teams as people run them: create, rename and delete a team; invite by email or username
with a link that expires; accept, leave, remove; change roles.

Every refusal is a `TeamError` whose text is the sentence shown to the person. Who may call
what is checked by the views through `studio.teams.access.get_membership` (an owner for
everything but `team_leave` and `invitation_accept`); the rules that hold whoever calls
(the last owner stays, an invitation is for one person and works once) live here.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from studio.teams.models import Invitation, Membership, Role, Team

# How long an invitation link works, as offered on the team page (days).
EXPIRY_DAYS = (1, 7, 30)
DEFAULT_EXPIRY_DAYS = 7

# Sent by team_delete inside its transaction, before the team and the rows that cascade
# with it are deleted (kwargs: team). Apps whose rows hang on a team connect to it, so this
# app imports none of them.
team_deleting = Signal()

LAST_OWNER = "A team needs an owner: make someone else an owner first, or delete the team."


class TeamError(Exception):
    """A team action refused; str() is the sentence to show."""


# --- teams -------------------------------------------------------------------------------------


def team_create(*, user: AbstractBaseUser, name: str) -> Team:
    """A new team named `name` (stripped, 1–80 characters) whose only member is `user`,
    as its owner."""
    name = _team_name(name)
    with transaction.atomic():
        team = Team.objects.create(name=name, created_by=user)
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def team_rename(*, team: Team, name: str) -> Team:
    """Rename `team`. Raises TeamError for an empty or too long name."""
    team.name = _team_name(name)
    team.save(update_fields=["name"])
    return team


def team_delete(*, team: Team) -> None:
    """Delete `team` with everything that belongs to it: memberships, invitations, its
    keys and its generations (CASCADE). Inside the transaction, before the rows go,
    `team_deleting` is sent (kwargs: team): the generation app connects to it and removes
    the generations' stored files from storage once the deletion is committed."""
    with transaction.atomic():
        team_deleting.send(sender=Team, team=team)
        team.delete()


def _team_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise TeamError("A team needs a name.")
    if len(name) > Team._meta.get_field("name").max_length:
        raise TeamError("A team name has at most 80 characters.")
    return name


# --- members -----------------------------------------------------------------------------------


def _owners(team_id):
    # Locked for the rest of the transaction on PostgreSQL; SQLite's IMMEDIATE
    # transactions already serialize writers, so two owners cannot both step down at once.
    return Membership.objects.select_for_update().filter(team_id=team_id, role=Role.OWNER)


def _refuse_last_owner(membership: Membership) -> None:
    if membership.role == Role.OWNER and _owners(membership.team_id).count() <= 1:
        raise TeamError(LAST_OWNER)


def member_role_set(*, membership: Membership, role: str) -> Membership:
    """Give the member `role` (owner, creator or viewer). Raises TeamError for an unknown
    role, or when it would leave the team without an owner."""
    if role not in Role.values:
        raise TeamError("Choose owner, creator or viewer.")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if role != Role.OWNER:
            _refuse_last_owner(membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def member_remove(*, membership: Membership) -> None:
    """Remove a member (an owner's action). What they made stays in the team's gallery;
    their next request falls back to their personal workspace. Raises TeamError for the
    last owner."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        _refuse_last_owner(membership)
        membership.delete()


def team_leave(*, membership: Membership) -> None:
    """The member leaves the team. Raises TeamError when they are its last owner."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.OWNER and _owners(membership.team_id).count() <= 1:
            raise TeamError(
                "You are this team's only owner: make someone else an owner before you "
                "leave, or delete the team."
            )
        membership.delete()


# --- invitations -------------------------------------------------------------------------------


def invitation_create(
    *,
    team: Team,
    invited_by: AbstractBaseUser,
    invitee: str,
    role: str = Role.CREATOR,
    days: int = DEFAULT_EXPIRY_DAYS,
) -> Invitation:
    """An invitation to `team` for one person, named by `invitee`: an email address (any
    address; the person may sign up with it) or the username of an existing account.

    `role`: what they become on accepting; `days`: one of EXPIRY_DAYS. Raises TeamError
    for an empty invitee, an unknown username, someone already in the team, or a
    role or expiry that is not offered.
    """
    invitee = (invitee or "").strip()
    if not invitee:
        raise TeamError("Type the email address or the username of the person to invite.")
    if role not in Role.values:
        raise TeamError("Choose owner, creator or viewer.")
    if days not in EXPIRY_DAYS:
        raise TeamError("Choose how long the link works: 1, 7 or 30 days.")
    users = get_user_model().objects
    if "@" in invitee:
        email, username = invitee, ""
        already = users.filter(email__iexact=email, memberships__team=team)
    else:
        user = users.filter(username=invitee).first()
        if user is None:
            raise TeamError(
                f"No one here has the username “{invitee}”. Check the spelling, or invite "
                "them by email."
            )
        email, username = "", user.get_username()
        already = users.filter(pk=user.pk, memberships__team=team)
    if already.exists():
        raise TeamError(f"{invitee} is already in {team.name}.")
    return Invitation.objects.create(
        team=team,
        invited_by=invited_by,
        email=email,
        username=username,
        role=role,
        expires_at=timezone.now() + timedelta(days=days),
    )


def invitation_send(invitation: Invitation, url: str) -> bool:
    """Email the link `url` (absolute) to an invitation made for an email address, with
    Django's send_mail (settings.EMAIL_BACKEND). Returns False when there is no address
    or the mail could not be sent (the page still shows the link to copy)."""
    if not invitation.email:
        return False
    inviter = invitation.invited_by.get_username() if invitation.invited_by else "Someone"
    body = (
        f"{inviter} invites you to the team “{invitation.team.name}” on Studio, as "
        f"{invitation.get_role_display().lower()}.\n\n"
        f"Open this link to accept (sign up first with this address if you have no "
        f"account):\n{url}\n\n"
        f"The link works once, for you only, until "
        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC."
    )
    try:
        send_mail(
            f"Join {invitation.team.name} on Studio",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [invitation.email],
        )
    except OSError:  # SMTP down or refused: the owner copies the link instead
        return False
    return True


def invitation_state(invitation: Invitation) -> str:
    """ "pending", "used", "revoked" or "expired"."""
    if invitation.accepted_at:
        return "used"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def invitation_problem(invitation: Invitation, user: AbstractBaseUser) -> str:
    """Why `user` cannot accept `invitation` now, as a sentence; "" when they can."""
    state = invitation_state(invitation)
    team = invitation.team.name
    if state == "used":
        return "This invitation has already been used: each link works once."
    if state == "revoked":
        return f"This invitation was withdrawn by an owner of {team}."
    if state == "expired":
        return (
            f"This invitation expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC: ask an "
            f"owner of {team} for a new link."
        )
    if not invitation_is_for(invitation, user):
        return (
            f"This invitation is meant for someone else, not for the account "
            f"“{user.get_username()}”. Sign in as the person it was sent to, or ask an "
            f"owner of {team} to invite you."
        )
    if Membership.objects.filter(team_id=invitation.team_id, user=user).exists():
        return f"You are already in {team}."
    return ""


def invitation_is_for(invitation: Invitation, user: AbstractBaseUser) -> bool:
    """True when `user` is the person invited: the same username, or (for an invitation
    by email) an account with that email address, compared case-insensitively."""
    if invitation.username:
        return user.get_username() == invitation.username
    email = (getattr(user, "email", "") or "").strip()
    return bool(email) and email.casefold() == invitation.email.strip().casefold()


def invitation_accept(*, token: str, user: AbstractBaseUser) -> Membership:
    """`user` accepts the invitation with `token` and joins its team in the invited role.

    The invitation is used up by one conditional UPDATE, so a link works once even when
    opened twice at the same moment. Raises Invitation.DoesNotExist for an unknown token
    and TeamError (invitation_problem's sentence) when it cannot be accepted.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_related("team").get(token=token)
        problem = invitation_problem(invitation, user)
        if problem:
            raise TeamError(problem)
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=user)
        if not claimed:
            raise TeamError("This invitation has already been used: each link works once.")
        return Membership.objects.create(team=invitation.team, user=user, role=invitation.role)


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working. Raises TeamError when it
    was already used."""
    if invitation.accepted_at:
        raise TeamError("That invitation was already accepted: remove the member instead.")
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def pending_invitations(team: Team):
    """Invitations of `team` that can still be accepted, newest first."""
    return team.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")
