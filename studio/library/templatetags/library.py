"""What a gallery card may offer the person looking at it."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from studio.library import services
from studio.teams import access

register = template.Library()


@dataclass(frozen=True)
class CardRights:
    create: bool  # press buttons, retry, cancel, tools, add to a collection
    delete: bool  # its maker or a team owner
    favourite: bool  # the person's own star


@register.simple_tag(takes_context=True)
def card_rights(context, generation) -> CardRights:
    """The person's rights on a card. In the gallery every card is in the current
    workspace, whose role is known, and `is_favourite` is annotated: no query per card.
    A card rendered alone (polled, pressed, imported) asks `access` (one query at most for a
    team generation) and reads its star."""
    request = context.get("request")
    user = request.user
    workspace = getattr(request, "workspace", None)
    in_workspace = workspace is not None and (
        generation.team_id == workspace.team.pk
        if workspace.team is not None
        else generation.team_id is None and generation.user_id == user.pk
    )
    if in_workspace:
        create = workspace.allows(access.CREATE)
        delete = generation.user_id == user.pk or workspace.allows(access.MANAGE)
    else:
        create = access.allowed(user, generation, access.CREATE)
        delete = access.can_delete(user, generation)
    favourite = getattr(generation, "is_favourite", None)
    if favourite is None:
        favourite = services.is_favourite(user, generation)
    return CardRights(create=create, delete=delete, favourite=favourite)
