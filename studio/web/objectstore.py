"""The few things Django's storage API does not say about an S3-compatible object store
(django-storages' S3Storage, chosen by STORAGE_BACKEND=s3; README "Several machines"):
which storage is one, a byte range read straight from the store, a presigned GET link, and
the errors a store raises. Everything else goes through the storage API itself.

A storage is judged by what it has (a bucket and a boto3 connection), not by its class, so a
subclass or a test double of S3Storage counts too.
"""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import Storage

# What saving, reading or deleting a stored file may raise: the local disk's OSError, and
# botocore's errors for a store that is unreachable (EndpointConnectionError), refuses the
# credentials or lacks the bucket (ClientError).
STORE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)

# AWS Signature Version 4 links last at most 7 days (a store refuses a longer X-Amz-Expires).
PRESIGNED_MAX_SECONDS = 7 * 24 * 3600


def is_object_store(storage: Storage) -> bool:
    """True for an S3-compatible storage (a bucket reached through boto3)."""
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def object_key(storage: Storage, name: str) -> str:
    """The object key of the stored file `name` (the storage's prefix included)."""
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def presigned_url(storage: Storage, name: str, *, seconds: int) -> str:
    """A GET link to `name` that anyone holding it may use for `seconds` (capped at
    PRESIGNED_MAX_SECONDS), signed with the store's credentials; the bucket stays private.
    Example: "https://s3.example.com/studio/uploads/7c9e….jpg?X-Amz-Algorithm=…&X-Amz-Expires=172800…"."""
    return storage.url(name, expire=max(1, min(int(seconds), PRESIGNED_MAX_SECONDS)))


def read_range(storage: Storage, name: str, first: int | None = None, last: int | None = None):
    """Stream bytes first..last (inclusive; None, None: the whole object) of `name` from the
    store in one GET with a Range header, so a video seek reads only what it shows.
    Returns an iterator of byte chunks; raises botocore's ClientError (404 for a missing
    object)."""
    params = {"Bucket": storage.bucket_name, "Key": object_key(storage, name)}
    if first is not None:
        params["Range"] = f"bytes={first}-{'' if last is None else last}"
    body = storage.connection.meta.client.get_object(**params)["Body"]
    return _chunks(body)


def _chunks(body, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(size)
    finally:
        body.close()
