"""The frames of a sandbox video: a generated video holds the start frame, cross-fades to
the end frame with a gentle push-in (Ken Burns) and holds the end frame (~2.5 s at FPS); an
extension starts on the parent's last frame and keeps pushing in while the prompt's scene
fades in (~2 s). Encoding them is studio.media.video's (outputs.py)."""

from __future__ import annotations

import math

from PIL import Image

from . import compose

FPS = 24
HOLD_FRAMES = 6  # start and end frames are held this long (¼ s) so they read clearly
FADE_FRAMES = 48  # 2 s of cross-fade
EXTEND_FRAMES = 48
EXTEND_ACTION = "extend"


def _push_in(image: Image.Image, zoom: float) -> Image.Image:
    """The centre 1/zoom of `image`, scaled back to its size (zoom ≥ 1)."""
    if zoom <= 1.0001:
        return image
    width, height = image.size
    crop_w, crop_h = width / zoom, height / zoom
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return image.resize(
        image.size, Image.Resampling.BILINEAR, box=(left, top, left + crop_w, top + crop_h)
    )


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * t)


def transition_frames(
    start: Image.Image, end: Image.Image, size: tuple[int, int]
) -> list[Image.Image]:
    """Start held, a cross-fade with a push-in that peaks mid-way, end held. The first frame
    is exactly the start frame (covered to `size`), the last exactly the end frame."""
    first, last = compose.cover(start, size), compose.cover(end, size)
    frames = [first] * HOLD_FRAMES
    for step in range(1, FADE_FRAMES + 1):
        t = step / (FADE_FRAMES + 1)
        zoom = 1 + 0.08 * math.sin(math.pi * t)
        frames.append(Image.blend(_push_in(first, zoom), _push_in(last, zoom), _ease(t)))
    return frames + [last] * HOLD_FRAMES


def extension_frames(
    start: Image.Image, scene: Image.Image, size: tuple[int, int]
) -> list[Image.Image]:
    """From `start` (the parent's last frame, exactly, as frame 0) a steady push-in while
    `scene` fades in to 60 %."""
    start = compose.cover(start, size)
    scene = compose.cover(scene, size)
    frames = []
    for step in range(EXTEND_FRAMES):
        t = step / (EXTEND_FRAMES - 1)
        zoom = 1 + 0.2 * t
        frames.append(Image.blend(_push_in(start, zoom), _push_in(scene, zoom), 0.6 * _ease(t)))
    return frames
