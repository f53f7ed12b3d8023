"""Result files of the kinds that start from input images or are not Midjourney/Flux
drawings: Nano Banana, Lumi Girl, Flux upscale, remove-bg, describe, face swap, blend,
video, and the image-to-image grids of imagine (and their 🔄 rerolls).

files.py calls `render` for these kinds and `fresh_tiles` for new grids; the pixels come
from compose.py / drawing.py, the inputs from inputs.py (fetched and stored at submit).
"""

from __future__ import annotations

import re

from PIL import Image

from . import buttons as btn
from . import compose, drawing
from .files import file_names, fresh_grid
from .inputs import load_input, load_inputs
from .models import SandboxJob

Kind = SandboxJob.Kind

# How strongly an image prompt pulls each tile of an image-to-image grid towards itself.
REFERENCE_STRENGTHS = (0.6, 0.55, 0.65, 0.5)
_INSTRUCTION = re.compile(r"^\s*image creation\s*:\s*", re.IGNORECASE)


def render(job: SandboxJob) -> dict[str, bytes]:
    """{file name: bytes} for a job of one of the kinds above (DONE, inputs stored)."""
    size = (job.width, job.height)
    if job.kind == Kind.BLEND:
        tiles = compose.blend_tiles(load_inputs(job), job.seed, size)
        return _grid_files(job, tiles)
    if job.kind == Kind.VIDEO:
        from .video_jobs import render_video  # PyAV is only loaded for videos

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
    """A Nano Banana prompt without S000's "Image creation: " instruction prefix."""
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
