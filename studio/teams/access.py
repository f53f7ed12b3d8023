"""Who may see and do what: roles, workspaces, and the predicates generations, assets and keys
are checked with (studio.generation.selectors fetches generations and files through them).

docs/architecture.md "People": a personal generation is its maker's alone; a team generation is seen by
every member, made and pressed by creators and owners, managed by owners. Views never
filter by `user=` themselves; they call these helpers, which answer 404 to anyone who may
not see an object and 403 (with a sentence) to a member whose role is too low.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from studio.accounts.models import ProviderKey
from studio.teams.models import ROLE_RANK, Membership, Role, Team

SESSION_KEY = "workspace"

# What an action needs, as the lowest role allowed.
VIEW = Role.VIEWER
CREATE = Role.CREATOR
MANAGE = Role.OWNER

_REFUSALS = {
    CREATE: "Viewers can look but not generate: ask a team owner to make you a creator.",
    MANAGE: "Only a team owner can do that.",
}


@dataclass(frozen=True)
class Workspace:
    """Where the person works now: their own gallery (`team` None) or a team's."""

    team: Team | None
    role: str  # a Role value; OWNER in one's own workspace

    @property
    def is_personal(self) -> bool:
        return self.team is None

    @property
    def label(self) -> str:
        return "Personal" if self.team is None else self.team.name

    @property
    def value(self) -> str:
        """What the workspace switch posts: "" for personal, else the team id."""
        return "" if self.team is None else str(self.team.pk)

    def allows(self, need: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[need]

    @property
    def can_create(self) -> bool:
        """For templates: may generate and press buttons here."""
        return self.allows(CREATE)

    @property
    def can_manage(self) -> bool:
        """For templates: may manage members, keys and budgets here."""
        return self.allows(MANAGE)


PERSONAL = Workspace(team=None, role=Role.OWNER)


def member_team_ids(user) -> QuerySet:
    """A subquery of the ids of the teams `user` belongs to."""
    return Membership.objects.filter(user=user).values("team_id")


def membership(user, team_id) -> Membership | None:
    if team_id is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team_id=team_id).select_related("team").first()


def role_in(user, team_id) -> str | None:
    """`user`'s role in the team, or None when not a member."""
    found = membership(user, team_id)
    return found.role if found else None


def get_membership(user, team_id, need: str = VIEW) -> Membership:
    """The one way views fetch a team: `user`'s membership of it (its `team` joined).

    Raises Http404 when the team is unknown, `team_id` is not a UUID, or `user` is not a
    member (a stranger learns nothing); PermissionDenied with a sentence when `user` is a
    member whose role does not allow `need`.
    """
    try:
        found = membership(user, team_id)
    except (ValueError, ValidationError) as exc:
        raise Http404 from exc
    if found is None:
        raise Http404
    if not found.allows(need):
        raise PermissionDenied(_REFUSALS[need])
    return found


# --- workspaces ------------------------------------------------------------------------------


def current_workspace(request) -> Workspace:
    """The workspace chosen in this session, if the person still belongs to that team;
    otherwise (never chosen, left, removed) their personal one."""
    team_id = request.session.get(SESSION_KEY)
    if not team_id or not request.user.is_authenticated:
        return PERSONAL
    try:
        found = membership(request.user, team_id)
    except (ValueError, ValidationError):
        found = None
    if found is None:
        request.session.pop(SESSION_KEY, None)
        return PERSONAL
    return Workspace(team=found.team, role=found.role)


def workspace_select(request, team_id: str | None) -> Workspace:
    """Switch the session to the team `team_id` ("" or None: personal). 404 when the
    person is not a member of it."""
    if not team_id:
        request.session.pop(SESSION_KEY, None)
        return PERSONAL
    try:
        found = membership(request.user, team_id)
    except (ValueError, ValidationError) as exc:
        raise Http404 from exc
    if found is None:
        raise Http404
    request.session[SESSION_KEY] = str(found.team_id)
    return Workspace(team=found.team, role=found.role)


def workspaces(user) -> list[Workspace]:
    """Personal first, then each team the person belongs to, by name."""
    found = Membership.objects.filter(user=user).select_related("team").order_by("team__name")
    return [PERSONAL, *(Workspace(team=m.team, role=m.role) for m in found)]


# --- predicates on a generation (or anything with `team_id` and `user_id`) ----------------------


def visible_q(user, prefix: str = "") -> Q:
    """The predicate "`user` may see it" on a model with `team` and `user` fields, reached
    through `prefix` (e.g. "generation__" from a generation's file): their personal rows and
    their teams'. studio.generation.selectors builds its querysets on it."""
    return Q(**{f"{prefix}team__isnull": True, f"{prefix}user": user}) | Q(
        **{f"{prefix}team__in": member_team_ids(user)}
    )


def allowed(user, generation, need: str = VIEW) -> bool:
    """True when `user` may do what `need` names to `generation` (no query for personal
    generations; one for team ones)."""
    if generation.team_id is None:
        return generation.user_id == user.pk
    role = role_in(user, generation.team_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[need]


def require(user, generation, need: str = VIEW) -> None:
    """404 when `user` may not see `generation`; 403 with a sentence when they may see it
    but their role does not allow `need`."""
    if generation.team_id is None:
        if generation.user_id != user.pk:
            raise Http404
        return
    role = role_in(user, generation.team_id)
    if role is None:
        raise Http404
    if ROLE_RANK[role] < ROLE_RANK[need]:
        raise PermissionDenied(_REFUSALS[need])


def can_delete(user, generation) -> bool:
    """The maker (while they can still see it) or a team owner."""
    if not allowed(user, generation, VIEW):
        return False
    return generation.user_id == user.pk or allowed(user, generation, MANAGE)


def can_cancel(user, generation) -> bool:
    """Who may stop a running job: as for deleting, its maker or a team owner (a creator
    may not stop another member's job)."""
    return can_delete(user, generation)


# --- keys --------------------------------------------------------------------------------------


def workspace_keys(workspace: Workspace, user, provider: str | None = None) -> QuerySet:
    """The keys one may generate with in `workspace`: one's own personal keys, or the
    team's keys for a creator or owner (a viewer has none); only `provider`'s when given
    (ProviderKey.PROVIDER_*). Newest first."""
    if workspace.team is None:
        keys = ProviderKey.objects.filter(user=user, team__isnull=True)
    elif workspace.allows(CREATE):
        keys = ProviderKey.objects.filter(team=workspace.team)
    else:
        keys = ProviderKey.objects.none()
    if provider is not None:
        keys = keys.filter(provider=provider)
    return keys.order_by("-created_at")


def key_usable(user, key) -> bool:
    """True when `user` may spend with `key`: their own personal key, or a key of a team
    where they are a creator or owner."""
    if key.team_id is None:
        return key.user_id == user.pk
    role = role_in(user, key.team_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[CREATE]
