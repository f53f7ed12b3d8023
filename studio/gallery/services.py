"""Favourites, collections and deleting generations.

Who may do what follows `studio.teams.access`: a favourite is one person's own mark on a
generation they can see; a collection lives in one workspace (personal: its owner's alone;
team: seen by every member, changed by creators and owners); a generation is deleted by its
maker or a team owner, never while it runs, and its stored files go with it once the
database has committed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from studio.gallery.models import Collection, CollectionItem, Favourite
from studio.generation import selectors
from studio.generation.models import ACTIVE, Asset, Generation
from studio.teams import access
from studio.teams.access import Workspace

log = logging.getLogger(__name__)

NAME_MAX = Collection._meta.get_field("name").max_length


class LibraryError(Exception):
    """A request the library refuses, with a sentence for the person who made it."""


# --- favourites --------------------------------------------------------------------------


def favourite_toggle(user: AbstractBaseUser, generation: Generation) -> bool:
    """Star or unstar `generation` for `user` (who may see it: the caller fetched it with
    `get_generation_for_user`). Returns True when it is a favourite now."""
    deleted, _ = Favourite.objects.filter(user=user, generation=generation).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Favourite.objects.create(user=user, generation=generation)
    except IntegrityError:  # a double click: the other request starred it
        pass
    return True


def is_favourite(user: AbstractBaseUser, generation: Generation) -> bool:
    return Favourite.objects.filter(user=user, generation=generation).exists()


# --- collections -------------------------------------------------------------------------


def workspace_collections(workspace: Workspace, user: AbstractBaseUser) -> QuerySet:
    """The collections of one workspace, by name: the person's personal ones, or all of a
    team's (the caller got `workspace` from the session, so the person is a member)."""
    if workspace.team is None:
        return Collection.objects.filter(team__isnull=True, owner=user)
    return Collection.objects.filter(team=workspace.team)


def collection_allowed(user: AbstractBaseUser, collection: Collection, need: str) -> bool:
    """True when `user` may do what `need` names (VIEW, or CREATE to change it)."""
    if collection.team_id is None:
        return collection.owner_id == user.pk
    role = access.role_in(user, collection.team_id)
    return role is not None and access.ROLE_RANK[role] >= access.ROLE_RANK[need]


def collection_get(user: AbstractBaseUser, collection_id, need: str = access.VIEW) -> Collection:
    """The one way views fetch a collection. Raises Http404 (unknown, or not the person's
    nor their team's) or PermissionDenied with a sentence (a viewer asking to change it)."""
    try:
        collection = Collection.objects.select_related("team").get(pk=collection_id)
    except (Collection.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not collection_allowed(user, collection, access.VIEW):
        raise Http404
    if not collection_allowed(user, collection, need):
        raise PermissionDenied("Viewers can look at team collections but not change them.")
    return collection


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise LibraryError("Give the collection a name.")
    if len(name) > NAME_MAX:
        raise LibraryError(f"A collection name has at most {NAME_MAX} characters.")
    return name


def collection_create(user: AbstractBaseUser, workspace: Workspace, name: str) -> Collection:
    """A new collection in `workspace`. Raises LibraryError for an empty or too long name,
    PermissionDenied for a team viewer."""
    if not workspace.allows(access.CREATE):
        raise PermissionDenied("Viewers can look at team collections but not make them.")
    return Collection.objects.create(team=workspace.team, owner=user, name=_clean_name(name))


def collection_rename(user: AbstractBaseUser, collection: Collection, name: str) -> Collection:
    """Rename (the caller fetched it with need=CREATE). Raises LibraryError for a bad name."""
    collection.name = _clean_name(name)
    collection.save(update_fields=["name"])
    return collection


def collection_delete(user: AbstractBaseUser, collection: Collection) -> None:
    """Delete the collection; its generations stay in the gallery."""
    collection.delete()


def _same_workspace(collection: Collection, generation: Generation) -> bool:
    if collection.team_id is None:
        return generation.team_id is None and generation.user_id == collection.owner_id
    return generation.team_id == collection.team_id


@dataclass
class Added:
    """What `collection_add` did, for the person's message."""

    added: int = 0
    already: int = 0
    elsewhere: int = 0  # in another workspace than the collection's, left out

    @property
    def message(self) -> str:
        parts = [f"Added {self.added} to the collection."]
        if self.already:
            parts.append(f"{self.already} {'was' if self.already == 1 else 'were'} already in it.")
        if self.elsewhere:
            parts.append(
                f"{self.elsewhere} from another workspace {'was' if self.elsewhere == 1 else 'were'}"
                " left out."
            )
        return " ".join(parts)


def collection_add(
    user: AbstractBaseUser, collection: Collection, generation_ids: Iterable
) -> Added:
    """Add generations (ids the person may see; others are ignored as unknown) to
    `collection`, fetched with need=CREATE. A generation joins a collection of its own
    workspace only; one already in it stays once."""
    generations = list(
        selectors.visible_generations(user)
        .filter(pk__in=list(generation_ids))
        .only("pk", "team_id", "user_id")
    )
    result = Added()
    present = set(
        CollectionItem.objects.filter(
            collection=collection, generation__in=[g.pk for g in generations]
        ).values_list("generation_id", flat=True)
    )
    new = []
    for generation in generations:
        if not _same_workspace(collection, generation):
            result.elsewhere += 1
        elif generation.pk in present:
            result.already += 1
        else:
            new.append(CollectionItem(collection=collection, generation=generation))
    CollectionItem.objects.bulk_create(new, ignore_conflicts=True)
    result.added = len(new)
    return result


def collection_remove(user: AbstractBaseUser, collection: Collection, generation_ids) -> int:
    """Take generations out of `collection` (fetched with need=CREATE); they stay in the
    gallery. Returns how many were removed."""
    deleted, _ = CollectionItem.objects.filter(
        collection=collection, generation_id__in=list(generation_ids)
    ).delete()
    return deleted


# --- deleting generations ----------------------------------------------------------------

RUNNING_REFUSAL = "It is still running: cancel it first, or wait until it finishes."
RIGHTS_REFUSAL = "Only its maker or a team owner can delete it."


def deletion_refusal(user: AbstractBaseUser, generation: Generation) -> str:
    """Why `user` may not delete `generation` ("" when they may)."""
    if not access.can_delete(user, generation):
        return RIGHTS_REFUSAL
    if generation.status in ACTIVE:
        return RUNNING_REFUSAL
    return ""


def _stored_names(generation_ids: list) -> list[tuple]:
    """(storage, name) of every stored file and thumbnail of these generations."""
    names = []
    for asset in Asset.objects.filter(generation_id__in=generation_ids).only(
        "file", "thumbnail", "generation_id"
    ):
        for stored in (asset.file, asset.thumbnail):
            if stored:
                names.append((stored.storage, stored.name))
    return names


def _remove_files(names: list[tuple], generation_ids: list) -> None:
    """Delete stored files; a file already gone is not an error. Empty folders go too."""
    folders = set()
    for storage, name in names:
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete stored file %s", name, exc_info=True)
        folders.add((storage, os.path.dirname(name)))
    for storage, folder in folders:
        with contextlib.suppress(NotImplementedError, OSError):  # not local, or not empty
            os.rmdir(storage.path(folder))


def _delete(generations: list[Generation]) -> None:
    ids = [g.pk for g in generations]
    names = _stored_names(ids)
    with transaction.atomic():
        # Children and descendants keep existing: `parent` and `root` become null (SET_NULL);
        # the credits ledger keeps its rows too (its FK is SET_NULL).
        Generation.objects.filter(pk__in=ids).delete()
        transaction.on_commit(lambda: _remove_files(names, ids))


def generation_delete(user: AbstractBaseUser, generation: Generation) -> None:
    """Delete one generation with its stored files and thumbnails (removed from storage
    after the database commits). Raises PermissionDenied (not its maker nor a team owner)
    or LibraryError (still running: cancel it first)."""
    refusal = deletion_refusal(user, generation)
    if refusal == RIGHTS_REFUSAL:
        raise PermissionDenied(refusal)
    if refusal:
        raise LibraryError(refusal)
    _delete([generation])


@dataclass
class Deleted:
    """What `generations_delete` did: how many went, and each kept one with its reason."""

    deleted: int = 0
    kept: list[tuple[Generation, str]] = field(default_factory=list)


def deletion_plan(user: AbstractBaseUser, generation_ids: Iterable) -> tuple[list, list]:
    """(deletable, kept) for the ids the person may see (unknown ids are dropped):
    `deletable` is a list of generations, `kept` of (generation, reason)."""
    generations = list(
        selectors.visible_generations(user)
        .filter(pk__in=list(generation_ids))
        .select_related("team")
        .order_by("-created_at")
    )
    team_roles = {}
    for generation in generations:
        if generation.team_id and generation.team_id not in team_roles:
            team_roles[generation.team_id] = access.role_in(user, generation.team_id)
    deletable, kept = [], []
    for generation in generations:
        if generation.team_id is None or generation.user_id == user.pk:
            allowed = True
        else:
            allowed = team_roles[generation.team_id] == access.MANAGE
        if not allowed:
            kept.append((generation, RIGHTS_REFUSAL))
        elif generation.status in ACTIVE:
            kept.append((generation, RUNNING_REFUSAL))
        else:
            deletable.append(generation)
    return deletable, kept


def generations_delete(user: AbstractBaseUser, generation_ids: Iterable) -> Deleted:
    """Delete every generation of `generation_ids` that `user` may delete (see
    `generation_delete`), in one transaction; the others are kept and listed with the
    reason. Ids the person may not see are ignored."""
    deletable, kept = deletion_plan(user, generation_ids)
    if deletable:
        _delete(deletable)
    return Deleted(deleted=len(deletable), kept=kept)
