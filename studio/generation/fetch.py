"""Fetching a result file from a provider's address, refusing what is not a result.

The bytes are only ever fetched by the worker's download task (assets.generation_download).
"""

from __future__ import annotations

import requests
from django.conf import settings

from studio.uploads.public import link_address_problem


class DownloadError(Exception):
    """A result file that could not be stored; the message says why, for a card."""


# What a result file may be sent as: the media the studio stores, or an untyped binary
# (some CDNs label everything octet-stream; the bytes are then decoded and checked anyway).
_RESULT_TYPES = ("image/", "video/", "audio/")
_BINARY_TYPES = ("application/octet-stream", "binary/octet-stream", "application/mp4", "")
# First bytes of a web page or a JSON error: never a result, whatever the header says.
_NOT_MEDIA = (b"<!doctype html", b"<html", b"<head", b"<?xml", b"{", b"[")
MAX_REDIRECTS = 5


def _checked_type(response: requests.Response) -> None:
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if not (content_type.startswith(_RESULT_TYPES) or content_type in _BINARY_TYPES):
        raise DownloadError(f"a result file was sent as {content_type!r}, not an image or video")


def _next_hop(response: requests.Response, url: str, allow_private: bool) -> str:
    """The redirect's target, refused when it points at a local address and the key is
    real (studio.uploads.public.link_address_problem)."""
    target = requests.compat.urljoin(url, response.headers.get("Location", ""))
    problem = link_address_problem(target, allow_private=allow_private)
    if problem:
        raise DownloadError(f"a result file redirects to a refused address ({target})")
    return target


def fetch_bytes(url: str, *, allow_private: bool = False) -> bytes:
    """GET a result file of at most settings.ASSET_MAX_BYTES and return its bytes.

    Redirects are followed by hand (at most MAX_REDIRECTS): one to a private, loopback,
    link-local or otherwise local address is refused unless `allow_private` (a sandbox
    generation: the sandbox serves its files from the studio's own address). The answer must
    be typed as an image, video, audio or untyped binary, must not announce more than the
    limit in Content-Length, and must not start like a web page or JSON: each is refused
    before the body is read. Timeouts: 5 s to connect, 60 s between bytes.
    Raises DownloadError with a readable reason.
    """
    limit = settings.ASSET_MAX_BYTES
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            with requests.get(url, stream=True, timeout=(5, 60), allow_redirects=False) as response:
                if response.is_redirect:
                    url = _next_hop(response, url, allow_private)
                    continue
                if response.status_code != 200:
                    raise DownloadError(f"HTTP {response.status_code} for a result file")
                _checked_type(response)
                announced = response.headers.get("Content-Length", "")
                if announced.isdigit() and int(announced) > limit:
                    raise DownloadError(
                        f"a result file announces {announced} bytes; the limit is {limit}"
                    )
                chunks, total = [], 0
                for chunk in response.iter_content(64 * 1024):
                    if not chunks and chunk.lstrip()[:16].lower().startswith(_NOT_MEDIA):
                        raise DownloadError("a result file is a web page, not an image or video")
                    total += len(chunk)
                    if total > limit:
                        raise DownloadError(f"a result file is larger than {limit} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        raise DownloadError(f"a result file redirects more than {MAX_REDIRECTS} times")
    except requests.RequestException as exc:
        raise DownloadError(f"could not fetch a result file ({exc.__class__.__name__})") from exc
