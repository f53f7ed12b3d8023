"""Team pages: my teams, one team (members, invitations, keys), invitation links and the
workspace switch in the header. The rules live in services.py; who may see what comes from
studio.teams.access (404 for strangers, 403 with a sentence for a too-low role). The team's
keys are changed by the key views of studio.accounts.views.keys, acting for TeamKeys."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from studio.accounts.models import ProviderKey
from studio.accounts.views import safe_next
from studio.accounts.views.keys import KeyOwner, keys_context
from studio.teams import access, services
from studio.teams.forms import (
    InviteForm,
    RoleForm,
    TeamKeyForm,
    TeamLabKeyForm,
    TeamLabSignInForm,
    TeamNameForm,
)
from studio.teams.models import Invitation, Membership, Role
from studio.teams.services import TeamError


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """The teams I belong to, and a form to create one (its creator becomes its owner and
    starts working in it)."""
    form = TeamNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(user=request.user, name=form.cleaned_data["name"])
        except TeamError as exc:
            form.add_error("name", str(exc))
        else:
            access.workspace_select(request, team.pk)
            messages.success(
                request,
                f"Team “{team.name}” created; you are its owner and now work in it. Add a key "
                "and invite people below.",
            )
            return redirect("teams:detail", team.pk)
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("team")
        .annotate(member_count=Count("team__memberships"))
        .order_by("team__name")
    )
    return TemplateResponse(request, "teams/index.html", {"form": form, "memberships": memberships})


def _detail(request, membership, *, status=200, **forms):
    """The team page, with the owner's forms (bound ones passed in keep what was typed;
    for the keys' forms see studio.accounts.views.keys.KeyOwner.page)."""
    team = membership.team
    is_owner = membership.role == Role.OWNER
    context = {
        "team": team,
        "membership": membership,
        "is_owner": is_owner,
        "members": team.memberships.select_related("user").order_by("user__username"),
        "roles": Role.choices,
        "rename_form": forms.get("rename_form") or TeamNameForm(initial={"name": team.name}),
        **keys_context(TeamKeys(request, membership=membership), **forms),
    }
    if context["is_owner"]:
        context["invitations"] = services.pending_invitations(team)
        context["invite_form"] = forms.get("invite_form") or InviteForm()
        context["new_invitation"] = request.GET.get("invited", "")
    return TemplateResponse(request, "teams/detail.html", context, status=status)


class TeamKeys(KeyOwner):
    """The keys of the team in the URL (`team_id`), for the key views of
    studio.accounts.views.keys: only its owners change them (404 for a stranger, 403 for a
    lower role); every member sees their names on the team's page, which a refused form
    re-renders."""

    key_form = TeamKeyForm
    lab_key_form = TeamLabKeyForm
    lab_sign_in_form = TeamLabSignInForm
    url_names = {
        "add": "teams:key_add",
        "sandbox": "teams:key_sandbox",
        "lab_key": "teams:lab_key_add",
        "lab_sign_in": "teams:lab_sign_in",
        "lab_sandbox": "teams:lab_sandbox",
        "rename": "teams:key_rename",
        "delete": "teams:key_delete",
        "sign_in_again": "teams:lab_sign_in_again",
    }
    saved = {
        "imaginepro": "Team key saved. ImaginePro accepted it.",
        "imaginelab": "Team key saved. ImagineLab accepted it.",
    }
    sandbox_ready = "Sandbox key added to the team: simulated images, 1000 free sandbox credits."
    lab_sandbox_ready = (
        "ImagineLab sandbox key added to the team: simulated images, video, voice, music and text."
    )
    not_lab = "Only ImagineLab keys sign in; this one is an ImaginePro key."

    def __init__(self, request, team_id=None, *, membership: Membership | None = None) -> None:
        super().__init__(request)
        if membership is None:
            membership = access.get_membership(request.user, team_id, access.MANAGE)
        self.membership = membership
        self.team = membership.team
        self.can_manage = membership.role == Role.OWNER
        self.url_args = [self.team.pk]

    def keys(self) -> list[ProviderKey]:
        return list(self.team.keys.order_by("created_at"))

    def key(self, key_id) -> ProviderKey:
        return get_object_or_404(ProviderKey, pk=key_id, team=self.team)

    def back(self, next_url=None, default="") -> HttpResponse:
        return redirect("teams:detail", self.team.pk)

    def page(self, *, status: int = 200, **forms) -> HttpResponse:
        return _detail(self.request, self.membership, status=status, **forms)

    def signed_in(self, email: str) -> str:
        return f"{self.team.name} is signed in to ImagineLab as {email}."

    def signed_in_again(self, key: ProviderKey, going_on: str) -> str:
        return f"“{key.name}” is signed in to ImagineLab again.{going_on}"


@login_required
def detail(request, team_id):
    """Members and their roles, pending invitations and keys (by name only), leave."""
    return _detail(request, access.get_membership(request.user, team_id))


@login_required
@require_POST
def rename(request, team_id):
    membership = access.get_membership(request.user, team_id, access.MANAGE)
    form = TeamNameForm(request.POST)
    if form.is_valid():
        try:
            services.team_rename(team=membership.team, name=form.cleaned_data["name"])
        except TeamError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"The team is now called “{membership.team.name}”.")
            return redirect("teams:detail", team_id)
    return _detail(request, membership, status=400, rename_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, team_id):
    """GET: what deleting takes with it; POST: delete."""
    membership = access.get_membership(request.user, team_id, access.MANAGE)
    team = membership.team
    if request.method == "POST":
        name = team.name
        services.team_delete(team=team)
        messages.success(request, f"Team “{name}” deleted, with its images and keys.")
        return redirect("teams:index")
    context = {
        "team": team,
        "generation_count": team.generations.count(),
        "key_count": team.keys.count(),
        "member_count": team.memberships.count(),
    }
    return TemplateResponse(request, "teams/delete.html", context)


@login_required
@require_POST
def leave(request, team_id):
    membership = access.get_membership(request.user, team_id)
    try:
        services.team_leave(membership=membership)
    except TeamError as exc:
        messages.error(request, str(exc))
        return redirect("teams:detail", team_id)
    messages.success(request, f"You left {membership.team.name}.")
    return redirect("teams:index")


# --- members and invitations -------------------------------------------------------------------


def _member(request, team_id, membership_id) -> Membership:
    """A member of a team the caller owns (404 for a membership of another team)."""
    owner = access.get_membership(request.user, team_id, access.MANAGE)
    return get_object_or_404(
        Membership.objects.select_related("team", "user"), pk=membership_id, team=owner.team
    )


@login_required
@require_POST
def member_role(request, team_id, membership_id):
    member = _member(request, team_id, membership_id)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise TeamError("Choose owner, creator or viewer.")
        services.member_role_set(membership=member, role=form.cleaned_data["role"])
    except TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{member.user.get_username()} is now {form.cleaned_data['role']}."
        )
    return redirect("teams:detail", team_id)


@login_required
@require_POST
def member_remove(request, team_id, membership_id):
    member = _member(request, team_id, membership_id)
    try:
        services.member_remove(membership=member)
    except TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{member.user.get_username()} was removed; what they made stays in the team.",
        )
    return redirect("teams:detail", team_id)


@login_required
@require_POST
def invite(request, team_id):
    """Make an invitation link; for an email address it is also sent by mail."""
    membership = access.get_membership(request.user, team_id, access.MANAGE)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                team=membership.team,
                invited_by=request.user,
                invitee=form.cleaned_data["invitee"],
                role=form.cleaned_data["role"],
                days=form.cleaned_data["days"],
            )
        except TeamError as exc:
            form.add_error("invitee", str(exc))
        else:
            url = invitation_url(request, invitation)
            if services.invitation_send(invitation, url):
                messages.success(
                    request, f"Invitation sent to {invitation.email}; the link is below too."
                )
            elif invitation.email:
                messages.warning(
                    request, "The email could not be sent just now: copy the link below."
                )
            else:
                messages.success(
                    request, f"Invitation ready: copy the link below for {invitation.username}."
                )
            detail_url = reverse("teams:detail", args=[team_id])
            return redirect(f"{detail_url}?invited={invitation.pk}#invitation-{invitation.pk}")
    return _detail(request, membership, status=400, invite_form=form)


def invitation_url(request, invitation: Invitation) -> str:
    """The absolute link that accepts `invitation` (its token is the only secret)."""
    return request.build_absolute_uri(reverse("teams:invitation", args=[invitation.token]))


@login_required
@require_POST
def invitation_revoke(request, team_id, invitation_id):
    membership = access.get_membership(request.user, team_id, access.MANAGE)
    invitation = get_object_or_404(Invitation, pk=invitation_id, team=membership.team)
    try:
        services.invitation_revoke(invitation=invitation)
    except TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Invitation withdrawn: its link no longer works.")
    return redirect("teams:detail", team_id)


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The link in an invitation. Signed out: log in or sign up, then back here. Signed in:
    what the invitation offers and Accept, or plainly why it cannot be accepted."""
    found = get_object_or_404(Invitation.objects.select_related("team", "invited_by"), token=token)
    context = {"invitation": found, "team": found.team, "path": request.get_full_path()}
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.path)
        return TemplateResponse(request, "teams/invitation.html", context)
    if request.method == "POST":
        try:
            joined = services.invitation_accept(token=token, user=request.user)
        except TeamError as exc:
            context["problem"] = str(exc)
            return TemplateResponse(request, "teams/invitation.html", context, status=400)
        access.workspace_select(request, joined.team_id)
        messages.success(
            request,
            f"Welcome to {joined.team.name}: you are a {joined.get_role_display().lower()}. "
            "This is the team's gallery; switch workspaces in the header.",
        )
        return redirect("generation:gallery")
    context["problem"] = services.invitation_problem(found, request.user)
    return TemplateResponse(request, "teams/invitation.html", context)


# --- the workspace switch ----------------------------------------------------------------------


@login_required
@require_POST
def switch(request):
    """Work in another workspace ("" is personal; 404 for a team one is not in), then go
    back to the page the switch was used on (this site only), else the gallery."""
    access.workspace_select(request, request.POST.get("workspace", ""))
    return redirect(safe_next(request, request.POST.get("next"), "generation:gallery"))
