"""Copy a finished generation's files into our storage, with WebP thumbnails.

Provider links expire (the API keeps history 24 hours), so DONE is only DONE for us once
every file is ours. Downloads are idempotent: an asset already stored is skipped.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import wave
from datetime import timedelta
from math import gcd

from django.core.files.base import ContentFile
from django.db import IntegrityError
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
MAX_AUDIO_SECONDS = 60 * 60.0  # longer is refused: no voice or music result is an hour


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
    with storing(asset.file, asset.thumbnail):
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
    role = Asset.Role.VIDEO
    if Asset.objects.filter(generation=generation, role=role, index=index).exists():
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


def audio_info(data: bytes) -> tuple[str, float]:
    """(content type, duration in seconds) of a WAV, MP3 or Ogg file. WAV is read with the
    `wave` module; MP3 and Ogg with PyAV. Raises DownloadError for anything else, an
    unreadable file, or one longer than MAX_AUDIO_SECONDS."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        content_type, duration = "audio/wav", _wav_duration(data)
    elif data[:4] == b"OggS":
        content_type, duration = "audio/ogg", _probe_duration(data)
    elif data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        content_type, duration = "audio/mpeg", _probe_duration(data)
    else:
        raise DownloadError("a result file is not WAV, MP3 or Ogg audio")
    if not 0 < duration <= MAX_AUDIO_SECONDS:
        raise DownloadError(f"a result file's audio lasts {duration:.1f} s")
    return content_type, duration


def _wav_duration(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            rate = reader.getframerate()
            return reader.getnframes() / rate if rate else 0.0
    except (wave.Error, EOFError) as exc:
        raise DownloadError(f"a result file is not readable WAV audio ({exc})") from exc


def _probe_duration(data: bytes) -> float:
    """Seconds of the first audio stream, by PyAV: the container's duration, else the
    stream's, else the sum of its packets' durations."""
    import av  # here, not at the top: ~8 MB in every process that imports it

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = container.streams.audio
            if not streams:
                raise DownloadError("a result file has no audio")
            stream = streams[0]
            if container.duration:
                return container.duration / av.time_base
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            ticks = sum(packet.duration or 0 for packet in container.demux(stream))
            return float(ticks * stream.time_base) if stream.time_base else 0.0
    except DownloadError:
        raise
    except Exception as exc:  # PyAV raises FFmpeg's many error types
        raise DownloadError("a result file is not readable audio") from exc


def store_audio(generation: Generation, *, index: int, url: str) -> Asset | None:
    """Download a voice or music result (WAV, MP3 or Ogg) and store it as an AUDIO asset
    with its duration (1-based `index`). It has no thumbnail. Returns None if already
    stored. Raises DownloadError (failed fetch, over ASSET_MAX_BYTES, not such audio)."""
    role = Asset.Role.AUDIO
    if Asset.objects.filter(generation=generation, role=role, index=index).exists():
        return None
    data = fetch_bytes(url)
    content_type, duration = audio_info(data)
    asset = Asset(
        generation=generation,
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
    try:
        asset.save()
    except IntegrityError:
        asset.file.delete(save=False)
        return None
    return asset


def _store_lab_outputs(generation: Generation, message: Message) -> None:
    """Every output of an ImagineLab generation: images (image, infographic), videos
    (MP4, or an animated image converted to MP4), audio (voice, music) and text results
    (into `text_outputs`). Raises DownloadError when there is none."""
    audio, texts = list(message.audio_urls), list(message.texts)
    videos = [url for _, url in message.video_urls]
    images = message.output_urls
    if generation.action == Action.VIDEO:  # a video delivered as an image (animated WebP)
        videos, images = videos + [u for u in images if u not in videos], []
    if not (audio or texts or videos or images):
        raise DownloadError("the provider reported success but sent no result")
    if texts:
        Generation.objects.filter(pk=generation.pk).update(text_outputs=texts)
    for index, url in enumerate(videos, start=1):
        store_video(generation, index=index, url=url)
    for index, url in enumerate(audio, start=1):
        store_audio(generation, index=index, url=url)
    for index, url in enumerate(images, start=1):
        store_asset(generation, role=Asset.Role.IMAGE, index=index, url=url)


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
    if capabilities_of(generation.model).mixed_outputs:
        _store_lab_outputs(generation, message)
        return
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
    try:
        _store_outputs(generation, message)
    except DownloadRefused as exc:  # a private address stays private: no retry
        transitions.fail(generation.pk, str(exc))
        log.warning("download of generation %s refused: %s", generation.pk, exc)
        return False
    except DownloadError as exc:
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
    aspect_ratio_record(generation)
    return transitions.advance(
        generation.pk,
        (Status.DOWNLOADING,),
        status=Status.DONE,
        status_note="",
        finished_at=timezone.now(),
        next_poll_at=None,
    )
