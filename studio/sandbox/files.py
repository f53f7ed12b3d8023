"""Result files of sandbox jobs: names, URLs, and lazy rendering into default storage.

Files live at `sandbox/<message_id>/<name>` and are served publicly at
`<sandbox root>/cdn/<message_id>/<name>`, like the provider's CDN (imaginepro.md §1.3 `uri`).
They are drawn the first time they are needed and kept; button results are derived from
their parent's stored files (a U result really is the parent's tile, resized).
"""

from __future__ import annotations

import base64
import io
import threading

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from . import buttons as btn
from . import drawing
from .models import SandboxJob

GRID = SandboxJob.Shape.GRID
SINGLE = SandboxJob.Shape.SINGLE

# One renderer at a time per process: rendering takes well under a second and this keeps
# two requests from writing the same file at once.
_render_lock = threading.RLock()  # re-entrant: a child renders its parent first


def file_names(job: SandboxJob) -> list[str]:
    """All file names of a job, `uri` first. Grid: grid + 4 tiles; single; Flux: n files;
    video: one MP4; a Cancel Job answer: none."""
    if job.shape == GRID:
        return ["grid.png", "1.png", "2.png", "3.png", "4.png"]
    if job.shape == SINGLE:
        return ["image.png"]
    if job.shape == SandboxJob.Shape.VIDEO:
        return ["video.mp4"]
    if job.shape == SandboxJob.Shape.NONE:
        return []
    return [f"{i}.{job.output_format}" for i in range(1, job.count + 1)]


def image_names(job: SandboxJob) -> list[str]:
    """Names listed in the message's `images`: the tiles of a grid, no video, else every
    file."""
    names = file_names(job)
    if job.shape == SandboxJob.Shape.VIDEO:
        return []
    return names[1:] if job.shape == GRID else names


def storage_name(job: SandboxJob, name: str) -> str:
    """Path of a file in default storage: `sandbox/<message_id>/<name>`."""
    return f"sandbox/{job.id}/{name}"


def cdn_url(job: SandboxJob, name: str, *, base_url: str) -> str:
    """Absolute public URL of a file; `base_url` is the sandbox root ending in "/"."""
    return f"{base_url}cdn/{job.id}/{name}"


def content_type(name: str) -> str:
    """HTTP content type from a file name's extension (png, webp, jpg, jpeg, mp4)."""
    extension = name.rsplit(".", 1)[-1]
    return "video/mp4" if extension == "mp4" else drawing.CONTENT_TYPES[extension]


def ensure_files(job: SandboxJob) -> None:
    """Render and store the job's files unless already done. Call only for DONE jobs."""
    if job.files_ready:
        return
    with _render_lock:
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
    stored inputs). Kinds beyond Midjourney imagine/button and Flux: outputs.py."""
    size = (job.width, job.height)
    if not file_names(job):  # a Cancel Job answer
        return {}
    if job.kind not in (SandboxJob.Kind.IMAGINE, SandboxJob.Kind.BUTTON, SandboxJob.Kind.FLUX):
        from . import outputs  # outputs builds on this module

        return outputs.render(job)
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
        from . import outputs

        pictures = outputs.fresh_tiles(job)
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


def fresh_grid(job: SandboxJob) -> list[Image.Image]:
    """Four new tiles of the job's prompt and seed (imagine, 🔄, or a lost parent)."""
    size = (job.width, job.height)
    if job.shape == SINGLE:  # a parent that vanished: draw the single picture anew
        return [drawing.draw_picture(job.prompt, job.seed, size)]
    return [
        drawing.draw_picture(job.prompt, job.seed, size, label=str(i + 1), shift=i)
        for i in range(4)
    ]


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


def decode_mask(value: str) -> Image.Image:
    """A Vary (Region) mask: base64 image (optionally a data: URL), white = redraw.

    Raises ValueError when it is not a readable image.
    """
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]
    try:
        raw = base64.b64decode(value, validate=False)
        image = Image.open(io.BytesIO(raw))
        if image.width * image.height > 4096 * 4096:
            raise ValueError("mask is too large")
        image.load()
    except Exception as exc:  # binascii.Error, PIL.UnidentifiedImageError, truncated data …
        raise ValueError("not a base64-encoded image") from exc
    return image
