"""The few things Django's storage API does not say about an S3-compatible object store
(django-storages' S3Storage, chosen by STORAGE_BACKEND=s3; README "Several machines"):
which storage is one, a byte range read straight from the store, a presigned GET link, and
the errors a store raises. Everything else goes through the storage API itself.

A storage is judged by what it has (a bucket and a boto3 connection), not by its class, so a
subclass or a test double of S3Storage counts too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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


_MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class ObjectRead:
    """An object's bytes as the store sends them: `chunks` (iterate once, then it is
    closed), `length` in bytes, and for a byte range the store's `content_range`
    ("bytes 1000-1999/52340"), else None."""

    chunks: Iterator[bytes]
    length: int
    content_range: str | None


class RangeNotSatisfiable(Exception):
    """A byte range past the object's end (HTTP 416); `size` is the object's size."""

    def __init__(self, size: int) -> None:
        super().__init__(f"range past the end of {size} bytes")
        self.size = size


def open_object(storage: Storage, name: str, byte_range: str | None = None) -> ObjectRead:
    """One GET of `name` from the store, with `byte_range` ("bytes=1000-1999", "bytes=-500",
    "bytes=1000-") as its Range header when given, so a video seek reads only what it shows
    and the size comes with the answer (no HEAD first). Raises FileNotFoundError for a
    missing object, RangeNotSatisfiable for a range past its end, botocore's errors else."""
    params = {"Bucket": storage.bucket_name, "Key": object_key(storage, name)}
    if byte_range:
        params["Range"] = byte_range
    try:
        answer = storage.connection.meta.client.get_object(**params)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise FileNotFoundError(name) from exc
        if code == "InvalidRange":
            raise RangeNotSatisfiable(storage.size(name)) from exc
        raise
    return ObjectRead(_chunks(answer["Body"]), answer["ContentLength"], answer.get("ContentRange"))


def _chunks(body, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(size)
    finally:
        body.close()
