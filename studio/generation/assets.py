"""Copy a finished generation's files into our storage, with WebP thumbnails.

Provider links expire (the API keeps history 24 hours), so DONE is only DONE for us once
every file is ours. Downloads are idempotent: an asset already stored is skipped.

A download fetches and stores every file first, then writes their rows and DONE in one
transaction (on SQLite each write transaction waits its turn for the one write lock, and
100 jobs may end together); when a file fails, the rows of those stored before it are
written, so the next try skips them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, ImageOps

from studio.generation import transitions
from studio.generation.fetch import (
    DownloadError,
    DownloadRefused,
    StoreFailed,
    fetch_bytes,
    storing,
)
from studio.generation.models import Action, Asset, Generation, Status
from studio.generation.providers import capabilities_of
from studio.generation.ratios import aspect_ratio_of
from studio.media.audio import AudioError, audio_info
from studio.media.video import VideoError, encode_mp4, poster_frame, probe_video
from studio.provider.messages import Message, parse_message

log = logging.getLogger(__name__)

THUMBNAIL_SIDE = 512  # px, longest side
MAX_DOWNLOAD_FAILURES = 5
STORE_RETRY_SECONDS = 30  # a file store that refused a file is asked again this much later
_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


_VIDEO_EXTENSIONS = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov"}
_AUDIO_EXTENSIONS = {"audio/wav": "wav", "audio/mpeg": "mp3", "audio/ogg": "ogg"}


def make_thumbnail(image: Image.Image) -> bytes:
    """A WebP whose longest side is at most THUMBNAIL_SIDE px; keeps transparency."""
    thumb = ImageOps.exif_transpose(image)
    thumb = thumb.convert("RGBA" if "A" in thumb.getbands() else "RGB")
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # Effort 2 of 6: a 1024 px result's thumbnail in 6.5 ms against 15 ms at Pillow's default 4,
    # for 16.6 KB against 16.0 KB; finished jobs wait in line for their downloads.
    thumb.save(out, "WEBP", quality=80, method=2)
    return out.getvalue()


class Outputs:
    """What one download has stored so far: `assets`, Asset rows whose files are in
    storage but which are not saved yet (`keep` writes them), the (role, index) pairs
    already stored by an earlier try (`stored`, skipped), and `fields` for the
    generation's row (`text_outputs`)."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self.assets: list[Asset] = []
        self.fields: dict = {}
        self.stored = set(Asset.objects.filter(generation=generation).values_list("role", "index"))

    def has(self, role: str, index: int) -> bool:
        return (role, index) in self.stored

    def add(self, asset: Asset) -> None:
        self.assets.append(asset)
        self.stored.add((asset.role, asset.index))

    def keep(self) -> None:
        """Save the rows of the stored files (in the caller's transaction, if any). A row
        that a concurrent download saved first is dropped with its files."""
        assets, self.assets = self.assets, []
        if not assets:
            return
        try:
            with transaction.atomic():
                Asset.objects.bulk_create(assets)
        except IntegrityError:  # another download of this generation got there first
            for asset in assets:
                try:
                    with transaction.atomic():
                        asset.save()
                except IntegrityError:
                    asset.file.delete(save=False)
                    asset.thumbnail.delete(save=False)


def store_asset(outputs: Outputs, *, role: str, index: int, url: str) -> Asset | None:
    """Download `url` and store its file and thumbnail as the generation's asset (role,
    index), added to `outputs` (its row is saved by `Outputs.keep`). Returns None if it
    was already stored. Raises DownloadError for a failed fetch or a file that is not an
    image Pillow can read."""
    if outputs.has(role, index):
        return None
    data = fetch_bytes(url)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for bad data
        raise DownloadError("a result file is not a readable image") from exc
    ext, content_type = _FORMATS.get(image.format or "", ("bin", "application/octet-stream"))
    asset = Asset(
        generation=outputs.generation,
        role=role,
        index=index,
        content_type=content_type,
        width=image.width,
        height=image.height,
    )
    return _store(outputs, asset, data, url, ext=ext, thumbnail=image, thumb_suffix="thumb")


def _store(
    outputs: Outputs,
    asset: Asset,
    data: bytes,
    url: str,
    *,
    ext: str,
    thumbnail: Image.Image,
    thumb_suffix: str,
) -> Asset:
    """Store the file and its WebP thumbnail; the asset goes into `outputs`, unsaved."""
    name = f"{asset.role}-{asset.index}"
    asset.bytes = len(data)
    asset.sha256 = hashlib.sha256(data).hexdigest()
    asset.source_url = url
    with storing(asset.file, asset.thumbnail):
        asset.file.save(f"{name}.{ext}", ContentFile(data), save=False)
        asset.thumbnail.save(
            f"{name}-{thumb_suffix}.webp", ContentFile(make_thumbnail(thumbnail)), save=False
        )
    outputs.add(asset)
    return asset


def store_video(outputs: Outputs, *, index: int, url: str) -> Asset | None:
    """Download a video result and store it with a poster thumbnail (its first frame),
    added to `outputs`. `index` is 1-based (the provider's `results[].index` + 1). Returns
    None if already stored. Raises DownloadError for a failed fetch or a file that is not a
    video."""
    role = Asset.Role.VIDEO
    if outputs.has(role, index):
        return None
    data = fetch_bytes(url)
    try:
        info = probe_video(data)
        poster = poster_frame(data)
    except VideoError as exc:
        converted = animation_to_mp4(data)
        if converted is None:
            raise DownloadError(f"a result file is not a playable video ({exc})") from exc
        data = converted
        try:
            info = probe_video(data)
            poster = poster_frame(data)
        except VideoError as again:
            raise DownloadError(f"a result file could not be made playable ({again})") from again
    asset = Asset(
        generation=outputs.generation,
        role=role,
        index=index,
        content_type=info.content_type,
        width=info.width,
        height=info.height,
        duration=info.duration,
    )
    ext = _VIDEO_EXTENSIONS.get(info.content_type, "mp4")
    return _store(outputs, asset, data, url, ext=ext, thumbnail=poster, thumb_suffix="poster")


MAX_ANIMATION_FRAMES = 1800  # an animated image longer than this is not converted


def animation_to_mp4(data: bytes) -> bytes | None:
    """An animated image (ImagineLab may deliver a video as an animated WebP, https://api.imagineview.art) as
    an H.264 MP4, so every video plays in a <video> with a poster, controls and seeking.
    Frame timing follows the image's durations at the nearest whole fps (1–60). Returns None
    when `data` is not an animated image (one frame, or not an image); raises DownloadError
    for one too large to convert."""
    try:
        image = Image.open(io.BytesIO(data))
        frames_count = getattr(image, "n_frames", 1)
    except Exception:  # Pillow raises many types for bad data
        return None
    if frames_count < 2:
        return None
    if frames_count > MAX_ANIMATION_FRAMES:
        raise DownloadError(f"an animation of {frames_count} frames is too long to convert")
    frames, total_ms = [], 0.0
    try:
        for number in range(frames_count):
            image.seek(number)
            frames.append(image.convert("RGB"))  # loads the frame, and with it its duration
            total_ms += float(image.info.get("duration") or 100)
    except Exception as exc:
        raise DownloadError("an animated result file could not be read") from exc
    fps = max(1, min(60, round(frames_count / (total_ms / 1000.0)))) if total_ms else 10
    try:
        return encode_mp4(frames, fps=fps)
    except VideoError as exc:
        raise DownloadError(f"an animated result file could not be converted ({exc})") from exc


def store_audio(outputs: Outputs, *, index: int, url: str) -> Asset | None:
    """Download a voice or music result (WAV, MP3 or Ogg) and store it as an AUDIO asset
    with its duration (1-based `index`), added to `outputs`. It has no thumbnail. Returns
    None if already stored. Raises DownloadError (failed fetch, over ASSET_MAX_BYTES, not
    such audio: studio.media.audio)."""
    role = Asset.Role.AUDIO
    if outputs.has(role, index):
        return None
    data = fetch_bytes(url)
    try:
        content_type, duration = audio_info(data)
    except AudioError as exc:
        raise DownloadError(str(exc)) from exc
    asset = Asset(
        generation=outputs.generation,
        role=role,
        index=index,
        content_type=content_type,
        duration=round(duration, 3),
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        source_url=url,
    )
    with storing(asset.file, asset.thumbnail):
        asset.file.save(
            f"{role}-{index}.{_AUDIO_EXTENSIONS[content_type]}", ContentFile(data), save=False
        )
    outputs.add(asset)
    return asset


def _store_lab_outputs(outputs: Outputs, message: Message) -> None:
    """Every output of an ImagineLab generation: images (image, infographic), videos
    (MP4, or an animated image converted to MP4), audio (voice, music) and text results
    (into `text_outputs`). Raises DownloadError when there is none."""
    generation = outputs.generation
    audio, texts = list(message.audio_urls), list(message.texts)
    videos = [url for _, url in message.video_urls]
    images = message.output_urls
    if generation.action == Action.VIDEO:  # a video delivered as an image (animated WebP)
        videos, images = videos + [u for u in images if u not in videos], []
    if not (audio or texts or videos or images):
        raise DownloadError("the provider reported success but sent no result")
    if texts:
        outputs.fields["text_outputs"] = texts
    for index, url in enumerate(videos, start=1):
        store_video(outputs, index=index, url=url)
    for index, url in enumerate(audio, start=1):
        store_audio(outputs, index=index, url=url)
    for index, url in enumerate(images, start=1):
        store_asset(outputs, role=Asset.Role.IMAGE, index=index, url=url)


_NUMBERED = re.compile(r"^\s*(?:[1-9]\ufe0f?\u20e3|[1-9][.)])\s*", re.MULTILINE)


def described_prompts(text: str) -> list[str]:
    """Split a describe answer into its prompts. Midjourney numbers them with keycap emoji
    ("1️⃣ …"); plain "1." / "1)" and blank-line separated text are accepted too."""
    text = text.strip()
    if not text:
        return []
    parts = _NUMBERED.split(text) if _NUMBERED.search(text) else re.split(r"\n\s*\n", text)
    return [" ".join(part.split()) for part in parts if part.strip()]


def _store_outputs(outputs: Outputs, message) -> None:
    """Store every output of a finished message into `outputs`; raises DownloadError if
    there is none."""
    generation = outputs.generation
    if capabilities_of(generation.model).mixed_outputs:
        _store_lab_outputs(outputs, message)
        return
    if generation.action == Action.DESCRIBE:
        prompts = described_prompts(message.prompt)
        if not prompts:
            raise DownloadError("the provider reported success but sent no prompts")
        outputs.fields["text_outputs"] = prompts
    videos = message.video_urls
    urls = message.output_urls
    if not urls and not videos and generation.action != Action.DESCRIBE:
        raise DownloadError("the provider reported success but sent no result file")
    for index, url in videos:
        store_video(outputs, index=index + 1, url=url)
    for index, url in enumerate(urls, start=1):
        store_asset(outputs, role=Asset.Role.IMAGE, index=index, url=url)
    if message.grid_url:
        store_asset(outputs, role=Asset.Role.GRID, index=1, url=message.grid_url)


def delivered_aspect_ratio(generation: Generation) -> str:
    """The delivered aspect ratio of the generation's saved assets (the gallery filters by
    it): its first image's, else its first video's; "" when nothing has a size."""
    first = (
        Asset.objects.filter(generation=generation, role__in=(Asset.Role.IMAGE, Asset.Role.VIDEO))
        .order_by("role", "index")  # "image" sorts before "video"
        .values_list("width", "height")
        .first()
    )
    return aspect_ratio_of(*first) if first else ""


def generation_download(generation_id) -> bool:
    """Download every output of a generation in DOWNLOADING, then mark it DONE.

    Outputs come from the stored Message: `images` (1-based index, like U1–U4), for a
    Midjourney grid `uri` as the grid, for a video `results`/`videoUrl`, for a describe the
    prompts in `prompt`; for ImagineLab also audio (voice, music) and text results. On failure
    the generation stays DOWNLOADING and the poller retries later; after MAX_DOWNLOAD_FAILURES
    it is closed as failed, except when the file store refused the files (StoreFailed: asked
    again every STORE_RETRY_SECONDS, never DONE without them). A link to a private address
    (DownloadRefused) closes it as failed at once, with fetch.PRIVATE_RESULT as its error.
    Returns True when the generation is DONE.
    """
    generation = Generation.objects.filter(pk=generation_id, status=Status.DOWNLOADING).first()
    if generation is None:
        return False
    message = parse_message(generation.raw_message or {})
    outputs = Outputs(generation)
    try:
        _store_outputs(outputs, message)
    except DownloadError as exc:
        outputs.keep()  # the files stored before this one are not fetched again
        return _download_failed(generation, exc)
    with transaction.atomic():
        outputs.keep()
        ratio = delivered_aspect_ratio(generation)
        return transitions.advance(
            generation.pk,
            (Status.DOWNLOADING,),
            status=Status.DONE,
            status_note="",
            finished_at=timezone.now(),
            next_poll_at=None,
            **outputs.fields,
            **({"aspect_ratio": ratio} if ratio else {}),
        )


def _download_failed(generation: Generation, exc: DownloadError) -> bool:
    """A download that raised: closed as failed (a private link; too many failures) or
    tried again later. Returns False."""
    if isinstance(exc, DownloadRefused):  # a private address stays private: no retry
        transitions.fail(generation.pk, str(exc))
        log.warning("download of generation %s refused: %s", generation.pk, exc)
        return False
    stored = isinstance(exc, StoreFailed)  # the provider's files are fine: ask again
    failures = generation.poll_failures + (0 if stored else 1)
    if failures >= MAX_DOWNLOAD_FAILURES and not stored:
        transitions.fail(generation.pk, f"Could not save the results: {exc}.")
    else:
        delay = STORE_RETRY_SECONDS if stored else 5 * 2**failures
        transitions.advance(
            generation.pk,
            (Status.DOWNLOADING,),
            poll_failures=failures,
            status_note=f"saving the files failed ({exc}); next try in {delay} s",
            next_poll_at=timezone.now() + timedelta(seconds=delay),
        )
    log.warning("download of generation %s failed: %s", generation.pk, exc)
    return False
