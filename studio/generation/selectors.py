"""Who sees which generations and stored files: the querysets and fetches views go through.

Built on the predicates of studio.teams.access (`visible_q`, `require`): a personal
generation is its maker's alone, a team generation is seen by every member. Views never
filter by `user=` themselves; they call these, which answer 404 to anyone who may not see
an object and 403 (with a sentence) to a member whose role is too low.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from studio.generation.models import Asset, Generation
from studio.teams import access
from studio.teams.access import VIEW, Workspace


def visible_generations(user) -> QuerySet:
    """Every generation `user` may see: their personal ones and their teams'."""
    return Generation.objects.filter(access.visible_q(user))


def workspace_generations(workspace: Workspace, user) -> QuerySet:
    """The gallery of one workspace (the caller got `workspace` from current_workspace)."""
    if workspace.team is None:
        return Generation.objects.filter(team__isnull=True, user=user)
    return Generation.objects.filter(team=workspace.team)


def visible_assets(user) -> QuerySet:
    """Stored files of every generation `user` may see."""
    return Asset.objects.filter(access.visible_q(user, "generation__"))


def workspace_assets(workspace: Workspace, user) -> QuerySet:
    """Stored files of one workspace's generations (the gallery picker offers these)."""
    if workspace.team is None:
        return Asset.objects.filter(generation__team__isnull=True, generation__user=user)
    return Asset.objects.filter(generation__team=workspace.team)


def get_generation(user, generation_id, need: str = VIEW, queryset: QuerySet | None = None):
    """The one way views fetch a generation. Raises Http404 (unknown, not a UUID, or not
    visible) or PermissionDenied (visible, role too low for `need`)."""
    queryset = Generation.objects.all() if queryset is None else queryset
    try:
        generation = queryset.get(pk=generation_id)
    except (Generation.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    access.require(user, generation, need)
    return generation


def get_generation_for_user(user: AbstractBaseUser, generation_id, need: str = access.VIEW):
    """The one way views fetch a generation, with its key, parent and files.

    Raises Http404 for anyone who may not see it, PermissionDenied for a team member whose
    role does not allow `need` (studio.teams.access: VIEW, CREATE, MANAGE).
    """
    return get_generation(
        user,
        generation_id,
        need,
        Generation.objects.select_related("provider_key", "parent", "team").prefetch_related(
            "assets"
        ),
    )
