"""Storing uploads and turning a form's image sources into URLs a provider can fetch."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from studio.generation import selectors
from studio.generation.models import Asset
from studio.uploads.images import PreparedImage, UploadRejected, prepare_image
from studio.uploads.models import Upload
from studio.uploads.public import public_url
from studio.web.objectstore import STORE_ERRORS

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from studio.uploads.sources import ImageSource

__all__ = ["UploadRejected", "materialize", "upload_create", "upload_store"]

NOT_AVAILABLE = "One of the gallery images you picked is no longer available. Pick it again."
STORE_DOWN = (
    "The studio could not store your image just now (its file store did not answer). "
    "Nothing was sent; try again in a minute."
)
log = logging.getLogger(__name__)


def upload_store(*, user: AbstractBaseUser, prepared: PreparedImage) -> Upload:
    """Store an already prepared image for `user`. The same bytes stored before by the same
    person reuse that row (and file) instead of adding a copy. Raises UploadRejected
    (STORE_DOWN) when the file store fails; nothing is kept then."""
    existing = Upload.objects.filter(user=user, sha256=prepared.sha256).first()
    try:
        if existing is not None and existing.file.storage.exists(existing.file.name):
            return existing
        return _stored(user, prepared)
    except STORE_ERRORS as exc:  # the disk or the object store: not the person's fault
        log.warning("could not store an upload: %s", exc)
        raise UploadRejected(STORE_DOWN) from exc


def _stored(user: AbstractBaseUser, prepared: PreparedImage) -> Upload:
    upload = Upload(
        user=user,
        width=prepared.width,
        height=prepared.height,
        bytes=len(prepared.content),
        sha256=prepared.sha256,
        original_name=prepared.original_name,
    )
    upload.file.save(f"{upload.id.hex}.jpg", ContentFile(prepared.content), save=False)
    upload.save()
    return upload


def upload_create(*, user: AbstractBaseUser, file: UploadedFile) -> Upload:
    """Check, re-encode and store one uploaded image for `user` (docs/architecture.md "Pitfalls" §5).

    file: a Django UploadedFile (any name; the decoded format decides). Returns the Upload:
    a JPEG of at most 2048 px on its longest side, without metadata, usually under 1 MB.
    Raises UploadRejected (its `message` is for the person) when the file is over
    settings.UPLOAD_MAX_BYTES, not JPEG/PNG/WEBP, over settings.UPLOAD_MAX_PIXELS, or
    unreadable; nothing is stored then.
    """
    return upload_store(user=user, prepared=prepare_image(file))


def materialize(*, user: AbstractBaseUser, sources: list[ImageSource]) -> list[str]:
    """The URLs to send the provider for `sources`, in the same order.

    sources: what ImageSourcesField.clean returned for `user`. Uploads are stored
    (upload_store/upload_create) and become public_url(upload); a gallery pick becomes
    public_url(asset); a typed URL is returned as typed. Call it once the form is valid and
    just before creating the generation. Raises UploadRejected if an upload cannot be
    stored or a picked asset is no longer the user's (deleted since the form was checked).
    """
    urls = []
    for source in sources:
        if source.kind == "url":
            urls.append(source.url)
        elif source.kind == "asset":
            asset = (
                selectors.visible_assets(user)
                .filter(pk=source.asset_id, role=Asset.Role.IMAGE)
                .first()
            )
            if asset is None:
                raise UploadRejected(NOT_AVAILABLE)
            urls.append(public_url(asset))
        elif source.prepared is not None:
            urls.append(public_url(upload_store(user=user, prepared=source.prepared)))
        else:
            urls.append(public_url(upload_create(user=user, file=source.file)))
    return urls
