"""Result files of sandbox jobs: their names, storage paths, URLs and content types, the
Vary (Region) mask, and the four fresh tiles of a new grid.

Files live at `sandbox/<message_id>/<name>` and are served publicly at
`<sandbox root>/cdn/<message_id>/<name>`, like the provider's CDN (docs/provider-contract.md §1.3 `uri`).
Drawing and storing them: outputs.py.
"""

from __future__ import annotations

import base64
import io

from PIL import Image

from ..models import SandboxJob
from . import drawing

GRID = SandboxJob.Shape.GRID
SINGLE = SandboxJob.Shape.SINGLE


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


def fresh_grid(job: SandboxJob) -> list[Image.Image]:
    """Four new tiles of the job's prompt and seed (imagine, 🔄, or a lost parent)."""
    size = (job.width, job.height)
    if job.shape == SINGLE:  # a parent that vanished: draw the single picture anew
        return [drawing.draw_picture(job.prompt, job.seed, size)]
    return [
        drawing.draw_picture(job.prompt, job.seed, size, label=str(i + 1), shift=i)
        for i in range(4)
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
