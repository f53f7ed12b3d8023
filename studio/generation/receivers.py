"""The generation app's answers to signals of the apps below it (connected in
GenerationConfig.ready), so those apps need not import generation."""

from __future__ import annotations

from django.db import transaction

from studio.generation.enqueue import enqueue_poll
from studio.generation.models import Asset
from studio.generation.signin import release_waiting


def team_files_delete(sender, *, team, **kwargs) -> None:
    """studio.teams.services.team_deleting: the stored files (file and thumbnail) of the
    team's generations are removed from storage once the deletion is committed; nothing is
    removed when it rolls back."""
    files = [
        (field.storage, field.name)
        for asset in Asset.objects.filter(generation__team=team).only("file", "thumbnail")
        for field in (asset.file, asset.thumbnail)
        if field
    ]
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)


def waiting_release(sender, *, key, **kwargs) -> int:
    """studio.accounts.services.key_signed_in: the generations parked until `key` signs in
    again become due, and a poll starts once the new token is committed. Returns how many."""
    released = release_waiting(key)
    if released:
        transaction.on_commit(enqueue_poll)
    return released
