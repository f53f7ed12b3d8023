"""Fetching a result file from a provider's address, refusing what is not a result.

The bytes are only ever fetched by the worker's download task (assets.generation_download),
through the studio's one guarded fetcher (studio.web.outbound, docs/architecture.md
"Outbound fetches"): a link or redirect hop that points at a private address is refused
before any connection, unless its origin is trusted by configuration.
"""

from __future__ import annotations

import contextlib
import time

from django.conf import settings

from studio.web.objectstore import STORE_ERRORS
from studio.web.outbound import (
    AddressRefused,
    FetchError,
    TooLarge,
    iter_body,
    open_url,
    trusted_result_origins,
)


class DownloadError(Exception):
    """A result file that could not be stored; the message says why, for a card."""


class StoreFailed(DownloadError):
    """A result file fetched but not saved: the file store (disk or object store) refused
    it or could not be reached. Tried again until it works; never counts toward giving up."""


class DownloadRefused(DownloadError):
    """A result link that must never be fetched: trying again changes nothing."""


PRIVATE_RESULT = "The provider's result link points to a private address; it was not fetched."

# What a result file may be sent as: the media the studio stores, or an untyped binary
# (some CDNs label everything octet-stream; the bytes are then decoded and checked anyway).
_RESULT_TYPES = ("image/", "video/", "audio/")
_BINARY_TYPES = ("application/octet-stream", "binary/octet-stream", "application/mp4", "")
# First bytes of a web page or a JSON error: never a result, whatever the header says.
_NOT_MEDIA = (b"<!doctype html", b"<html", b"<head", b"<?xml", b"{", b"[")
MAX_REDIRECTS = 5
TIMEOUT = (5.0, 60.0)  # seconds to connect, and between bytes
TOTAL_SECONDS = 15 * 60  # for a whole file, however slowly the bytes come


def _checked_type(headers) -> None:
    content_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if not (content_type.startswith(_RESULT_TYPES) or content_type in _BINARY_TYPES):
        raise DownloadError(f"a result file was sent as {content_type!r}, not an image or video")


def fetch_bytes(url: str) -> bytes:
    """GET a result file of at most settings.ASSET_MAX_BYTES and return its bytes.

    Through studio.web.outbound.open_url: the link and each redirect (at most MAX_REDIRECTS)
    must not point at a private, loopback, link-local or otherwise internal address unless
    under trusted_result_origins() (the studio's own sandbox while it is on). The answer must
    be typed as an image, video, audio or untyped binary, must not announce more than the
    limit in Content-Length, and must not start like a web page or JSON: each is refused
    before the body is read. Timeouts: TIMEOUT per hop, TOTAL_SECONDS for the whole file.
    Raises DownloadRefused (PRIVATE_RESULT) for an internal address, DownloadError with a
    readable reason for anything else.
    """
    limit = settings.ASSET_MAX_BYTES
    deadline = time.monotonic() + TOTAL_SECONDS
    try:
        with open_url(
            url, trusted=trusted_result_origins(), timeout=TIMEOUT, max_redirects=MAX_REDIRECTS
        ) as response:
            if response.status != 200:
                raise DownloadError(f"HTTP {response.status} for a result file")
            _checked_type(response.headers)
            chunks: list[bytes] = []
            for chunk in iter_body(response, limit=limit, deadline=deadline):
                if not chunks and chunk.lstrip()[:16].lower().startswith(_NOT_MEDIA):
                    raise DownloadError("a result file is a web page, not an image or video")
                chunks.append(chunk)
            return b"".join(chunks)
    except AddressRefused as exc:
        raise DownloadRefused(PRIVATE_RESULT) from exc
    except TooLarge as exc:
        raise DownloadError(f"a result file {exc}") from exc
    except FetchError as exc:
        raise DownloadError(f"could not fetch a result file ({exc})") from exc


@contextlib.contextmanager
def storing(*fields):
    """Around saving a result's files (FieldFiles): a store error (studio.web.objectstore.
    STORE_ERRORS) removes what was saved and becomes StoreFailed."""
    try:
        yield
    except STORE_ERRORS as exc:
        for field in fields:
            if field:
                with contextlib.suppress(*STORE_ERRORS):
                    field.delete(save=False)
        raise StoreFailed(f"the file store did not take a result file: {exc}") from exc
