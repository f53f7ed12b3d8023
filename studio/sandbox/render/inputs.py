"""Input images of sandbox jobs: fetching the URLs a request names, storing and reading them.

A real provider downloads reference images, frames and pictures to edit itself, so a URL it
cannot reach makes the job fail (docs/architecture.md "The sandbox"). The sandbox fetches every URL
during the submit request (http/https only, through the guarded fetcher studio.web.outbound,
FETCH_TIMEOUT, FETCH_MAX_BYTES, Pillow must open it) and keeps the bytes as `input-<n>` beside
the job's results. A failed fetch does not refuse the request: the job is accepted and
charged like any other and FAILs when it would start processing, with
`Failed to fetch image: <url> (the image could not be fetched)` as its `error`, one reason
for every failure (FETCH_FAILED)
(docs/provider-contract.md §1.5: generation failures arrive as FAIL, not as HTTP errors). Only a value
that is not an http(s) URL at all is a 400, in validation.

The studio serves the URLs it sends (signed upload links, CDN results) from the same server,
so a fetch may call back into this process; runserver and live_server are threaded.
"""

from __future__ import annotations

import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageSequence

from studio.web.outbound import FetchError, open_url, origin_of, read_body

from ..models import SandboxJob
from .files import storage_name

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 10  # seconds, to connect and between bytes
FETCH_MAX_BYTES = 10 * 1024 * 1024
# Larger pictures are refused (and decompression bombs long before Pillow would): the
# biggest result the sandbox makes is 4096×4096 too.
FETCH_MAX_PIXELS = 4096 * 4096
PARALLEL_FETCHES = 4
FETCH_TOTAL = 30  # seconds for a whole fetch, however slowly the bytes come


# Every failed or refused fetch gives this one reason, so the job's outcome never tells a
# closed port from an open one, a 404 from a picture, or a private address from a bad file:
# the sandbox must not become a way to map the studio's machine or network. The real reason
# goes to the log.
FETCH_FAILED = "the image could not be fetched"


# Paths of the studio's own public files: signed upload and gallery links (studio/uploads/
# urls.py), and the sandbox's own result files (its cdn/ and files/ routes).
_OWN_PATHS = ("r/", "sandbox/imaginepro/cdn/", "sandbox/imaginelab/files/")


def trusted_inputs() -> list[str]:
    """URL prefixes the sandbox may fetch from although they are internal addresses: while
    settings.SANDBOX_ALLOW_PRIVATE_URLS is on, the studio's own public files (_OWN_PATHS:
    the signed `/r/` links, whose signature the serving view checks, and the sandbox's result
    files) at its own origins (PUBLIC_BASE_URL, SITE_URL, SANDBOX_BASE_URL,
    SANDBOX_IMAGINELAB_BASE_URL), plus settings.SANDBOX_TRUSTED_INPUT_URLS; when off, none."""
    if not settings.SANDBOX_ALLOW_PRIVATE_URLS:
        return []
    bases = (
        settings.PUBLIC_BASE_URL,
        settings.SITE_URL,
        settings.SANDBOX_BASE_URL,
        settings.SANDBOX_IMAGINELAB_BASE_URL,
    )
    origins = dict.fromkeys(origin for origin in map(origin_of, bases) if origin)
    own = [origin + path for origin in origins for path in _OWN_PATHS]
    return own + list(settings.SANDBOX_TRUSTED_INPUT_URLS)


@dataclass(frozen=True)
class Fetched:
    """One URL's outcome: the bytes and pixel `size` (w, h) of a decodable image, else
    `error` (the whole FAIL text, "Failed to fetch image: <url> (<reason>)"). The decoded
    pixels are not kept (a request may fetch eight images): `image()` decodes again."""

    url: str
    data: bytes = b""
    size: tuple[int, int] | None = None
    error: str = ""

    def image(self) -> Image.Image:
        """The fetched picture, RGB or RGBA (only for a successful fetch)."""
        return open_image(self.data)


def fetch_image(url: str) -> Fetched:
    """GET `url` through the studio's guarded fetcher (studio.web.outbound: no internal
    address outside trusted_inputs(), no redirect, FETCH_TIMEOUT, FETCH_MAX_BYTES,
    FETCH_TOTAL) and open it with Pillow. Never raises: any problem is returned as `error`,
    always with the same reason (FETCH_FAILED)."""
    try:
        data = _fetch(url)
        size = open_image(data).size  # decoded in full once, to prove it is readable
    except (FetchError, ValueError) as exc:
        log.info("sandbox input %s not fetched: %s", url, exc)
        return Fetched(url, error=f"Failed to fetch image: {url} ({FETCH_FAILED})")
    return Fetched(url, data=data, size=size)


def _fetch(url: str) -> bytes:
    """The bytes at `url`; raises FetchError (its text is for the log only)."""
    deadline = time.monotonic() + FETCH_TOTAL
    with open_url(
        url,
        trusted=trusted_inputs(),
        headers={"User-Agent": "ImaginePro-Sandbox/1.0", "Accept": "image/*"},
        timeout=(FETCH_TIMEOUT, FETCH_TIMEOUT),
        max_redirects=0,
    ) as response:
        if response.status != 200:
            raise FetchError(f"HTTP {response.status}")
        return read_body(response, limit=FETCH_MAX_BYTES, deadline=deadline)


def open_image(data: bytes) -> Image.Image:
    """`data` as a loaded RGB or RGBA image (the first frame of an animation).

    Raises ValueError "not an image" / "image too large: W×H px".
    """
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > FETCH_MAX_PIXELS:
            raise ValueError(f"image too large: {image.width}×{image.height} px")
        image = next(iter(ImageSequence.Iterator(image)))
        image.load()
    except ValueError:
        raise
    except Exception as exc:  # UnidentifiedImageError, truncated data, bombs …
        raise ValueError("not an image") from exc
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def fetch_images(urls: list[str]) -> tuple[list[Fetched], str]:
    """Fetch `urls` (a few at a time) → (all outcomes in order, first error text or "")."""
    if not urls:
        return [], ""
    with ThreadPoolExecutor(max_workers=min(PARALLEL_FETCHES, len(urls))) as pool:
        fetched = list(pool.map(fetch_image, urls))
    error = next((f.error for f in fetched if f.error), "")
    return fetched, error


def input_name(index: int) -> str:
    """File name of the `index`-th (0-based) input of a job: "input-1", "input-2", …"""
    return f"input-{index + 1}"


def store_inputs(job: SandboxJob, fetched: list[Fetched]) -> None:
    """Keep the bytes of every successfully fetched input beside the job's results."""
    for index, item in enumerate(fetched):
        if item.error:
            continue
        path = storage_name(job, input_name(index))
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(item.data))


def load_input(job: SandboxJob, index: int) -> Image.Image:
    """The `index`-th (0-based) stored input of `job`, RGB or RGBA. Raises FileNotFoundError
    when it was never stored (its fetch failed, so the job cannot be DONE)."""
    with default_storage.open(storage_name(job, input_name(index))) as handle:
        return open_image(handle.read())


def load_inputs(job: SandboxJob) -> list[Image.Image]:
    """Every stored input of `job`, in the order of `job.inputs`."""
    return [load_input(job, index) for index in range(len(job.inputs))]
