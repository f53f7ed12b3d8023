"""Input images of sandbox jobs: fetching the URLs a request names, storing and reading them.

A real provider downloads reference images, frames and pictures to edit itself, so a URL it
cannot reach makes the job fail (docs/architecture.md "The sandbox"). The sandbox fetches every URL
during the submit request (http/https only, FETCH_TIMEOUT, FETCH_MAX_BYTES, Pillow must open
it) and keeps the bytes as `input-<n>` beside the job's results. A failed fetch does not
refuse the request: the job is accepted and charged like any other and FAILs when it would
start processing, with `Failed to fetch image: <url> (<reason>)` as its `error`
(docs/provider-contract.md §1.5: generation failures arrive as FAIL, not as HTTP errors). Only a value
that is not an http(s) URL at all is a 400, in validation.

The studio serves the URLs it sends (signed upload links, CDN results) from the same server,
so a fetch may call back into this process; runserver and live_server are threaded.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageSequence

from ..models import SandboxJob
from .files import storage_name

FETCH_TIMEOUT = 10  # seconds, to connect and between bytes
FETCH_MAX_BYTES = 10 * 1024 * 1024
# Larger pictures are refused (and decompression bombs long before Pillow would): the
# biggest result the sandbox makes is 4096×4096 too.
FETCH_MAX_PIXELS = 4096 * 4096
PARALLEL_FETCHES = 4
_CHUNK = 64 * 1024
FETCH_TOTAL = 30  # seconds for a whole fetch, however slowly the bytes come


def _address_problem(url: str) -> str:
    """Why the sandbox will not fetch `url`, or "". The sandbox runs inside the studio, so
    it must not become a way into the studio's network: private, link-local (cloud
    metadata), multicast and reserved addresses are refused. Loopback stays allowed, since
    the studio's own signed image links live there on a development machine."""
    host = requests.utils.urlparse(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return "host not found"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback:
            continue
        if not address.is_global:
            return "address not allowed"
    return ""


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
    """GET `url` and open it with Pillow. Never raises: a problem is returned as `error`."""

    def failed(reason: str) -> Fetched:
        return Fetched(url, error=f"Failed to fetch image: {url} ({reason})")

    problem = _address_problem(url)
    if problem:
        return failed(problem)
    deadline = time.monotonic() + FETCH_TOTAL
    try:
        # No redirects: a hop could lead to an address the check above refuses.
        with requests.get(
            url,
            stream=True,
            timeout=FETCH_TIMEOUT,
            allow_redirects=False,
            headers={"User-Agent": "ImaginePro-Sandbox/1.0", "Accept": "image/*"},
        ) as response:
            if response.status_code != 200:
                return failed(f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > FETCH_MAX_BYTES:
                return failed("larger than 10 MB")
            buffer = bytearray()
            for chunk in response.iter_content(_CHUNK):
                buffer += chunk
                if len(buffer) > FETCH_MAX_BYTES:
                    return failed("larger than 10 MB")
                if time.monotonic() > deadline:
                    return failed("timed out")
    except requests.Timeout:
        return failed("timed out")
    except requests.RequestException as exc:
        return failed(f"connection failed: {type(exc).__name__}")
    data = bytes(buffer)
    try:
        size = open_image(data).size  # decoded in full once, to prove it is readable
    except ValueError as exc:
        return failed(str(exc))
    return Fetched(url, data=data, size=size)


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
