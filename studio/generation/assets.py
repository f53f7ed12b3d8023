"""Copy a finished generation's files into our storage, with WebP thumbnails.

Provider links expire (the API keeps history 24 hours), so DONE is only DONE for us once
every file is ours. Downloads are idempotent: an asset already stored is skipped.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from datetime import timedelta
from math import gcd

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image, ImageOps

from studio.generation import transitions
from studio.generation.models import Action, Asset, Generation, Status
from studio.provider.messages import parse_message

log = logging.getLogger(__name__)

THUMBNAIL_SIDE = 512  # px, longest side
MAX_DOWNLOAD_FAILURES = 5
_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


_VIDEO_EXTENSIONS = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov"}


class DownloadError(Exception):
    pass


def fetch_bytes(url: str) -> bytes:
    """GET a result file, refusing anything over settings.ASSET_MAX_BYTES.
    Raises DownloadError with a readable reason."""
    limit = settings.ASSET_MAX_BYTES
    try:
        with requests.get(url, stream=True, timeout=(5, 60)) as response:
            if response.status_code != 200:
                raise DownloadError(f"HTTP {response.status_code} for a result file")
            chunks, total = [], 0
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > limit:
                    raise DownloadError(f"a result file is larger than {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.RequestException as exc:
        raise DownloadError(f"could not fetch a result file ({exc.__class__.__name__})") from exc


def make_thumbnail(image: Image.Image) -> bytes:
    """A WebP whose longest side is at most THUMBNAIL_SIDE px; keeps transparency."""
    thumb = ImageOps.exif_transpose(image)
    thumb = thumb.convert("RGBA" if "A" in thumb.getbands() else "RGB")
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def store_asset(generation: Generation, *, role: str, index: int, url: str) -> Asset | None:
    """Download `url` and store it as the generation's asset (role, index). Returns None if
    it was already stored. Raises DownloadError for a failed fetch or a file that is not an
    image Pillow can read."""
    if Asset.objects.filter(generation=generation, role=role, index=index).exists():
        return None
    data = fetch_bytes(url)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for bad data
        raise DownloadError("a result file is not a readable image") from exc
    ext, content_type = _FORMATS.get(image.format or "", ("bin", "application/octet-stream"))
    asset = Asset(
        generation=generation,
        role=role,
        index=index,
        content_type=content_type,
        width=image.width,
        height=image.height,
    )
    return _save(asset, data, url, ext=ext, thumbnail=image, thumb_suffix="thumb")


def _save(
    asset: Asset, data: bytes, url: str, *, ext: str, thumbnail: Image.Image, thumb_suffix: str
) -> Asset | None:
    """Store the file and its WebP thumbnail with the asset row; None (and nothing left on
    disk) when a concurrent download stored the same (generation, role, index) first."""
    name = f"{asset.role}-{asset.index}"
    asset.bytes = len(data)
    asset.sha256 = hashlib.sha256(data).hexdigest()
    asset.source_url = url
    asset.file.save(f"{name}.{ext}", ContentFile(data), save=False)
    asset.thumbnail.save(
        f"{name}-{thumb_suffix}.webp", ContentFile(make_thumbnail(thumbnail)), save=False
    )
    try:
        asset.save()
    except IntegrityError:
        asset.file.delete(save=False)
        asset.thumbnail.delete(save=False)
        return None
    return asset


def store_video(generation: Generation, *, index: int, url: str) -> Asset | None:
    """Download a video result and store it with a poster thumbnail (its first frame).
    `index` is 1-based (the provider's `results[].index` + 1). Returns None if already
    stored. Raises DownloadError for a failed fetch or a file that is not a video."""
    from studio.media.video import VideoError, poster_frame, probe_video

    role = Asset.Role.VIDEO
    if Asset.objects.filter(generation=generation, role=role, index=index).exists():
        return None
    data = fetch_bytes(url)
    try:
        info = probe_video(data)
        poster = poster_frame(data)
    except VideoError as exc:
        raise DownloadError(f"a result file is not a playable video ({exc})") from exc
    asset = Asset(
        generation=generation,
        role=role,
        index=index,
        content_type=info.content_type,
        width=info.width,
        height=info.height,
        duration=info.duration,
    )
    ext = _VIDEO_EXTENSIONS.get(info.content_type, "mp4")
    return _save(asset, data, url, ext=ext, thumbnail=poster, thumb_suffix="poster")


_NUMBERED = re.compile(r"^\s*(?:[1-9]\ufe0f?\u20e3|[1-9][.)])\s*", re.MULTILINE)


def described_prompts(text: str) -> list[str]:
    """Split a describe answer into its prompts. Midjourney numbers them with keycap emoji
    ("1️⃣ …"); plain "1." / "1)" and blank-line separated text are accepted too."""
    text = text.strip()
    if not text:
        return []
    parts = _NUMBERED.split(text) if _NUMBERED.search(text) else re.split(r"\n\s*\n", text)
    return [" ".join(part.split()) for part in parts if part.strip()]


def _store_outputs(generation: Generation, message) -> None:
    """Store every output of a finished message; raises DownloadError if there is none."""
    if generation.action == Action.DESCRIBE:
        prompts = described_prompts(message.prompt)
        if not prompts:
            raise DownloadError("the provider reported success but sent no prompts")
        Generation.objects.filter(pk=generation.pk).update(text_outputs=prompts)
    videos = message.video_urls
    urls = message.output_urls
    if not urls and not videos and generation.action != Action.DESCRIBE:
        raise DownloadError("the provider reported success but sent no result file")
    for index, url in videos:
        store_video(generation, index=index + 1, url=url)
    for index, url in enumerate(urls, start=1):
        store_asset(generation, role=Asset.Role.IMAGE, index=index, url=url)
    if message.grid_url:
        store_asset(generation, role=Asset.Role.GRID, index=1, url=message.grid_url)


# Ratios people ask for by name; a delivered size within SNAP_TOLERANCE of one is called by it
# (providers round sizes to multiples of 8 or 64, e.g. 1456×816 is "16:9").
COMMON_RATIOS = ("1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "21:9")
SNAP_TOLERANCE = 0.02


def aspect_ratio_of(width: int, height: int) -> str:
    """A pixel size as "W:H": the nearest of COMMON_RATIOS when within ~2 %, else the size
    reduced by its greatest common divisor (e.g. 1000×700 → "10:7"); "" for a zero size."""
    if width <= 0 or height <= 0:
        return ""
    actual = width / height
    nearest = min(COMMON_RATIOS, key=lambda name: abs(actual / _ratio(name) - 1))
    if abs(actual / _ratio(nearest) - 1) <= SNAP_TOLERANCE:
        return nearest
    divisor = gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def _ratio(name: str) -> float:
    w, h = name.split(":")
    return int(w) / int(h)


def aspect_ratio_record(generation: Generation) -> str:
    """Store the delivered aspect ratio on the generation (the gallery filters by it): its
    first image's, else its first video's. Returns it ("" when nothing has a size)."""
    first = (
        Asset.objects.filter(generation=generation, role__in=(Asset.Role.IMAGE, Asset.Role.VIDEO))
        .order_by("role", "index")  # "image" sorts before "video"
        .values_list("width", "height")
        .first()
    )
    ratio = aspect_ratio_of(*first) if first else ""
    if ratio:
        Generation.objects.filter(pk=generation.pk).update(aspect_ratio=ratio)
    return ratio


def generation_download(generation_id) -> bool:
    """Download every output of a generation in DOWNLOADING, then mark it DONE.

    Outputs come from the stored Message: `images` (1-based index, like U1–U4), for a
    Midjourney grid `uri` as the grid, for a video `results`/`videoUrl`, for a describe the
    prompts in `prompt`. On failure the generation stays DOWNLOADING and the poller retries
    later; after MAX_DOWNLOAD_FAILURES it is closed as failed.
    Returns True when the generation is DONE.
    """
    generation = Generation.objects.filter(pk=generation_id, status=Status.DOWNLOADING).first()
    if generation is None:
        return False
    message = parse_message(generation.raw_message or {})
    try:
        _store_outputs(generation, message)
    except DownloadError as exc:
        failures = generation.poll_failures + 1
        if failures >= MAX_DOWNLOAD_FAILURES:
            transitions.fail(generation.pk, f"Could not save the results: {exc}.")
        else:
            delay = 5 * 2**failures
            transitions.advance(
                generation.pk,
                (Status.DOWNLOADING,),
                poll_failures=failures,
                status_note=f"saving the files failed ({exc}); next try in {delay} s",
                next_poll_at=timezone.now() + timedelta(seconds=delay),
            )
        log.warning("download of generation %s failed: %s", generation.pk, exc)
        return False
    aspect_ratio_record(generation)
    return transitions.advance(
        generation.pk,
        (Status.DOWNLOADING,),
        status=Status.DONE,
        status_note="",
        finished_at=timezone.now(),
        next_poll_at=None,
    )
