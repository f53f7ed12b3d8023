"""Drawing the result files of sandbox jobs into default storage, once, then kept: while the
job runs (predraw.py, so they are ready at DONE as the real provider's), or else the first
time they are needed (a fetch that sees DONE, the CDN).

Midjourney imagine/button and Flux are drawn from the prompt; button results are derived
from their parent's stored files (a U result really is the parent's tile, resized). The
other kinds start from input images or are not Midjourney/Flux drawings: Nano Banana, Lumi
Girl, Flux upscale, remove-bg, describe, face swap, blend, video, and the image-to-image
grids of imagine (and their 🔄 rerolls). The pixels come from compose.py / drawing.py, the
inputs from inputs.py (fetched and stored at submit), names and paths from files.py.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from studio.media.video import encode_mp4, last_frame

from ..models import SandboxJob
from ..render import compose, drawing
from ..render.files import GRID, SINGLE, decode_mask, file_names, fresh_grid, storage_name
from ..render.inputs import load_input, load_inputs
from ..render.video import EXTEND_ACTION, FPS, extension_frames, transition_frames
from . import buttons as btn

Kind = SandboxJob.Kind

# One renderer per job at a time in a process, so two requests do not write the same file at
# once. Per job, not one for all: the drawing thread (predraw.py) takes job after job, and a
# fetch of another job's DONE must not queue behind it (it did, for seconds, in a burst).
_guard = threading.Lock()
# job id → its lock, kept while someone holds or waits for it (a weak reference drops it after)
_job_locks: weakref.WeakValueDictionary[str, threading.RLock] = weakref.WeakValueDictionary()


@contextmanager
def _rendering(job: SandboxJob) -> Iterator[None]:
    """Hold `job`'s render lock (a child job takes its parent's inside its own: no cycle)."""
    key = str(job.pk)
    with _guard:
        lock = _job_locks.get(key)
        if lock is None:
            lock = _job_locks[key] = threading.RLock()
    with lock:
        yield


# How strongly an image prompt pulls each tile of an image-to-image grid towards itself.
REFERENCE_STRENGTHS = (0.6, 0.55, 0.65, 0.5)
_INSTRUCTION = re.compile(r"^\s*image creation\s*:\s*", re.IGNORECASE)


def ensure_files(job: SandboxJob) -> None:
    """Render and store the job's files unless already done. Call only for DONE jobs."""
    if job.files_ready:
        return
    with _rendering(job):
        if SandboxJob.objects.filter(pk=job.pk, files_ready=True).exists():
            job.files_ready = True
            return
        for name, data in render(job).items():
            path = storage_name(job, name)
            if default_storage.exists(path):
                continue
            saved = default_storage.save(path, ContentFile(data))
            if saved != path:  # another process wrote it meanwhile: same bytes, drop ours
                default_storage.delete(saved)
        SandboxJob.objects.filter(pk=job.pk).update(files_ready=True)
        job.files_ready = True


def load_image(job: SandboxJob, name: str) -> Image.Image:
    """A stored file of `job` as a Pillow image (rendering the job's files if needed)."""
    ensure_files(job)
    with default_storage.open(storage_name(job, name)) as handle:
        image = Image.open(handle)
        image.load()
    return image.convert("RGB")


def render(job: SandboxJob) -> dict[str, bytes]:
    """{file name: bytes} for every file of the job, drawn from its stored parameters (and
    stored inputs). Kinds beyond Midjourney imagine/button and Flux: render_from_inputs."""
    size = (job.width, job.height)
    if not file_names(job):  # a Cancel Job answer
        return {}
    if job.kind not in (SandboxJob.Kind.IMAGINE, SandboxJob.Kind.BUTTON, SandboxJob.Kind.FLUX):
        return render_from_inputs(job)
    if job.kind == SandboxJob.Kind.FLUX:
        label = job.count > 1
        pictures = [
            drawing.draw_picture(
                job.prompt, job.seed, size, label=str(i + 1) if label else "", shift=i
            )
            for i in range(job.count)
        ]
        return {
            name: drawing.encode(picture, job.output_format, job.output_quality)
            for name, picture in zip(file_names(job), pictures, strict=True)
        }
    if job.kind == SandboxJob.Kind.IMAGINE or job.parent is None or job.action == btn.REROLL:
        pictures = fresh_tiles(job)
    elif job.shape == SINGLE:
        pictures = [_single_from_parent(job)]
    else:
        pictures = _grid_from_parent(job)
    if job.shape == GRID:
        pictures = [drawing.compose_grid(pictures), *pictures]
    return {
        name: drawing.encode(picture)
        for name, picture in zip(file_names(job), pictures, strict=True)
    }


def _single_from_parent(job: SandboxJob) -> Image.Image:
    parent = job.parent
    tile = btn.UPSCALE_TILE.get(job.action)
    if tile is not None:
        return drawing.upscale(load_image(parent, f"{tile}.png"))
    source = load_image(parent, file_names(parent)[0])
    if job.action in btn.LEGACY_UPSCALE:  # a true resize to the planned (capped) size
        return drawing.fit(source, (job.width, job.height))
    return drawing.upscale(source, creative=btn.UPSCALE_AGAIN.get(job.action, False))


def _grid_from_parent(job: SandboxJob) -> list[Image.Image]:
    parent, action, size, prompt = job.parent, job.action, (job.width, job.height), job.prompt
    seeds = [job.seed + i for i in range(4)]
    labels = [str(i + 1) for i in range(4)]
    if action in btn.VARY_TILE:
        base = load_image(parent, f"{btn.VARY_TILE[action]}.png")
        return [
            drawing.variation(base, prompt, s, size, 0.4, n)
            for s, n in zip(seeds, labels, strict=True)
        ]
    source = load_image(parent, file_names(parent)[0])
    if action in btn.VARY_STRENGTH:
        strength = btn.VARY_STRENGTH[action]
        return [
            drawing.variation(source, prompt, s, size, strength, n)
            for s, n in zip(seeds, labels, strict=True)
        ]
    if action == btn.VARY_REGION:
        mask = decode_mask(job.request_body.get("mask") or "")
        return [
            drawing.vary_region(source, mask, prompt, s, size, n)
            for s, n in zip(seeds, labels, strict=True)
        ]
    if action in btn.ZOOM_FACTORS:
        factor = btn.ZOOM_FACTORS[action]
        return [
            drawing.zoom_out(source, prompt, s, size, factor, n)
            for s, n in zip(seeds, labels, strict=True)
        ]
    if action in btn.PAN_DIRECTIONS:
        anchor = drawing.PAN_ANCHORS[btn.PAN_DIRECTIONS[action]]
    else:  # Make Square: the picture centred on a square canvas
        anchor = (0.5, 0.5)
    return [
        drawing.extend(source, prompt, s, size, anchor, n)
        for s, n in zip(seeds, labels, strict=True)
    ]


def render_from_inputs(job: SandboxJob) -> dict[str, bytes]:
    """{file name: bytes} for a job of the other kinds above (DONE, inputs stored)."""
    size = (job.width, job.height)
    if job.kind == Kind.BLEND:
        tiles = compose.blend_tiles(load_inputs(job), job.seed, size)
        return _grid_files(job, tiles)
    if job.kind == Kind.VIDEO:
        return {file_names(job)[0]: render_video(job)}
    if job.kind == Kind.UNIVERSAL:
        picture = compose.collage(load_inputs(job), caption_text(job.prompt), job.seed, size)
    elif job.kind == Kind.ZIMAGE:
        picture = drawing.draw_portrait(job.prompt, job.seed, size)
    elif job.kind == Kind.UPSCALE:
        picture = compose.upscale_to(load_input(job, 0), size)
    elif job.kind == Kind.REMOVE_BG:
        picture = compose.remove_background(load_input(job, 0))
    elif job.kind == Kind.DESCRIBE:  # `uri` re-serves the described image
        picture = load_input(job, 0)
    elif job.kind == Kind.FACESWAP:
        source, target = load_inputs(job)
        if target.size != size:
            target = drawing.fit(target, size)
        picture = compose.face_swap(source, target)
    else:
        raise ValueError(f"no renderer for kind {job.kind!r}")
    return {file_names(job)[0]: drawing.encode(picture)}


def caption_text(prompt: str) -> str:
    """A Nano Banana prompt without the ImaginePro docs' "Image creation: " instruction prefix."""
    return _INSTRUCTION.sub("", prompt)


def _grid_files(job: SandboxJob, tiles: list[Image.Image]) -> dict[str, bytes]:
    pictures = [drawing.compose_grid(tiles), *tiles]
    return {
        name: drawing.encode(picture)
        for name, picture in zip(file_names(job), pictures, strict=True)
    }


def fresh_tiles(job: SandboxJob) -> list[Image.Image]:
    """Four new tiles for an imagine or a 🔄: from the image prompts of the imagine (or the
    inputs of the blend) the grid descends from, else drawn from the prompt alone."""
    origin = job
    while origin.action == btn.REROLL and origin.parent is not None:
        origin = origin.parent
    if job.shape != SandboxJob.Shape.GRID or not origin.inputs:
        return fresh_grid(job)
    size = (job.width, job.height)
    references = load_inputs(origin)
    if origin.kind == Kind.BLEND:
        return compose.blend_tiles(references, job.seed, size)
    return [
        compose.reference_tile(
            references[i % len(references)],
            drawing.draw_picture(job.prompt, job.seed, size, shift=i),
            REFERENCE_STRENGTHS[i],
            str(i + 1),
            job.prompt,
        )
        for i in range(4)
    ]


def render_video(job: SandboxJob) -> bytes:
    """The MP4 bytes of a DONE video job (generate: from its two stored frames; extend:
    from its parent's stored MP4)."""
    size = (job.width, job.height)
    if job.action == EXTEND_ACTION and job.parent is not None:
        ensure_files(job.parent)
        name = storage_name(job.parent, file_names(job.parent)[0])
        with default_storage.open(name) as handle:
            start = last_frame(handle.read()).convert("RGB")
        scene = drawing.draw_picture(job.prompt, job.seed, size, shift=1)
        return encode_mp4(extension_frames(start, scene, size), fps=FPS)
    if job.action == EXTEND_ACTION:  # the parent is gone: extend a drawing of the prompt
        start = drawing.draw_picture(job.prompt, job.seed, size)
        scene = drawing.draw_picture(job.prompt, job.seed, size, shift=1)
        return encode_mp4(extension_frames(start, scene, size), fps=FPS)
    first, last = load_inputs(job)
    return encode_mp4(transition_frames(first, last, size), fps=FPS)
