"""Making, listing, revoking and opening public share links.

Who may share: a generation, anyone who may see it (studio.teams.access); a
collection, the owner of a personal one or a creator or owner of the team's. Who may
revoke: the link's maker, or an owner of the team the shared object belongs to.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from studio.gallery.models import Collection
from studio.generation.models import Asset, Generation, Status
from studio.sharing.models import EXPIRY_DAYS, ShareLink
from studio.teams import access
from studio.teams.models import Membership, Role

# Files a visitor may open: what the shared page shows.
SHOWN_ROLES = (Asset.Role.IMAGE, Asset.Role.VIDEO)


class ShareError(Exception):
    """A share the studio refuses, with a sentence for the person who asked."""


class LinkGone(Http404):
    """Unknown, expired or revoked: the public page says the link is no longer valid."""


def collection_shareable(user: AbstractBaseUser, collection: Collection) -> bool:
    """True for the owner of a personal collection, or a creator/owner of a team's."""
    if collection.team_id is None:
        return collection.owner_id == user.pk
    role = access.role_in(user, collection.team_id)
    return role is not None and role in (Role.CREATOR, Role.OWNER)


def collection_visible(user: AbstractBaseUser, collection: Collection) -> bool:
    if collection.team_id is None:
        return collection.owner_id == user.pk
    return access.role_in(user, collection.team_id) is not None


def share_create(
    *,
    user: AbstractBaseUser,
    days: int,
    generation: Generation | None = None,
    collection: Collection | None = None,
) -> ShareLink:
    """A new link to `generation` or `collection` (exactly one), valid for `days` (one of
    EXPIRY_DAYS). Raises Http404 when the person may not see the object, PermissionDenied
    (with a sentence, 403) when they may see it but not share it (a team viewer: neither a
    team's image nor its collection), ShareError (with a sentence) when the request is not valid."""
    if (generation is None) == (collection is None):
        raise ShareError("Choose one image or one collection to share.")
    if days not in EXPIRY_DAYS:
        raise ShareError("Choose how long the link lasts: 1, 7 or 30 days.")
    if generation is not None:
        access.require(user, generation, access.VIEW)
        if not access.allowed(user, generation, access.CREATE):
            raise PermissionDenied("Viewers cannot share a team's images: ask a team owner.")
        if generation.status != Status.DONE or not shown_assets([generation.pk]).exists():
            raise ShareError("Only finished images and videos can be shared.")
    else:
        if not collection_visible(user, collection):
            raise Http404
        if not collection_shareable(user, collection):
            raise PermissionDenied("Viewers cannot share a team's collection: ask a team owner.")
    return ShareLink.objects.create(
        generation=generation,
        collection=collection,
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
    )


def _owned_team_ids(user) -> QuerySet:
    return Membership.objects.filter(user=user, role=Role.OWNER).values("team_id")


def links_for(user: AbstractBaseUser) -> QuerySet:
    """The links `user` made, and, for a team owner, every link to the team's things.
    Newest first, with what they share."""
    owned = _owned_team_ids(user)
    return (
        ShareLink.objects.filter(
            Q(created_by=user) | Q(generation__team__in=owned) | Q(collection__team__in=owned)
        )
        .select_related("generation", "collection", "created_by")
        .order_by("-created_at")
    )


def can_revoke(user: AbstractBaseUser, link: ShareLink) -> bool:
    if link.created_by_id == user.pk:
        return True
    team_id = link.generation.team_id if link.generation_id else link.collection.team_id
    return team_id is not None and access.role_in(user, team_id) == Role.OWNER


def share_revoke(*, user: AbstractBaseUser, link_id) -> ShareLink:
    """Revoke a link at once (idempotent). Raises Http404 when the link is not one
    `user` may manage (see links_for)."""
    link = links_for(user).filter(pk=link_id).first()
    if link is None or not can_revoke(user, link):
        raise Http404
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def _maker_still_sees(link: ShareLink) -> bool:
    """A link dies with its maker's access: someone removed from a team no longer shares
    its images."""
    user = link.created_by
    if link.generation_id:
        return access.allowed(user, link.generation, access.VIEW)
    return collection_visible(user, link.collection)


def share_open(token: str) -> ShareLink:
    """The active link with this token. Raises LinkGone when it is unknown, expired,
    revoked, or its maker lost access to what it shares."""
    link = (
        ShareLink.objects.select_related("generation", "collection", "created_by")
        .filter(token=token)
        .first()
    )
    if link is None or not link.is_active or not _maker_still_sees(link):
        raise LinkGone
    return link


def shared_generations(link: ShareLink) -> QuerySet:
    """The finished generations a link shows, oldest first for a collection. Only those of
    the collection's own workspace: an item from elsewhere is never shown."""
    if link.generation_id:
        queryset = Generation.objects.filter(pk=link.generation_id)
    else:
        collection = link.collection
        queryset = Generation.objects.filter(collection_items__collection=collection)
        if collection.team_id is None:
            queryset = queryset.filter(team__isnull=True, user_id=collection.owner_id)
        else:
            queryset = queryset.filter(team_id=collection.team_id)
        queryset = queryset.order_by("collection_items__added_at")
    return queryset.filter(status=Status.DONE).prefetch_related("assets")


def shown_assets(generation_ids) -> QuerySet:
    return Asset.objects.filter(generation_id__in=generation_ids, role__in=SHOWN_ROLES)


def shared_asset(link: ShareLink, asset_id) -> Asset:
    """An image or video of the shared generation(s). Raises Http404 for any other."""
    ids = shared_generations(link).values("pk")
    asset = shown_assets(ids).filter(pk=asset_id).first()
    if asset is None:
        raise Http404
    return asset
