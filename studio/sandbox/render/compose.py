"""Pillow operations on images the sandbox was given: collages, blends, face swap, cut-outs.

Pure functions like drawing.py (same inputs, same pixels), used by outputs.py to render the
results of the endpoints that take image URLs (docs/provider-contract.md §3.1 image-to-image, §3.6 face
swap, §3.7 blend, §3.12 upscale, §3.13 remove-bg, §3.15 Nano Banana). They only need to be
honest stand-ins: every output visibly comes from its inputs.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from . import drawing

MAX_UPSCALE_PIXELS = 4096 * 4096  # ~16.8 Mpx: the largest upscale result the sandbox makes


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` (RGB) scaled to fill `size` and centre-cropped, like CSS object-fit: cover."""
    return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)


def contain(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` (RGB) scaled to fit inside `size`, aspect kept (may be smaller on one side)."""
    return ImageOps.contain(image.convert("RGB"), size, Image.Resampling.LANCZOS)


def reference_tile(
    reference: Image.Image, drawn: Image.Image, strength: float, label: str, prompt: str = ""
) -> Image.Image:
    """Image-to-image (§3.1): a drawn tile pulled towards `reference` by `strength` (0–1),
    captioned with `prompt` and badged with `label` again on top."""
    picture = Image.blend(drawn, cover(reference, drawn.size), strength)
    drawing.caption(picture, prompt)
    if label:
        drawing.draw_badge(picture, label)
    return picture


def collage(
    references: list[Image.Image], prompt: str, seed: int, size: tuple[int, int]
) -> Image.Image:
    """Nano Banana (§3.15): the references laid out in a grid of cells over a drawing of the
    prompt, each one whole (contained) with a thin frame, and the prompt as caption.
    Without references it is the drawing alone."""
    width, height = size
    canvas = drawing.draw_picture(prompt, seed, size)
    if not references:
        return canvas
    # Let the scene show through a little so the collage reads as one picture.
    canvas = Image.blend(canvas, Image.new("RGB", size, (24, 24, 30)), 0.35)
    cols = math.ceil(math.sqrt(len(references)))
    rows = math.ceil(len(references) / cols)
    margin = max(4, min(width, height) // 40)
    caption_band = max(10, min(width, height) // 16) * 2  # leave room for the caption
    cell_w = (width - margin * (cols + 1)) // cols
    cell_h = (height - caption_band - margin * (rows + 1)) // rows
    pen = ImageDraw.Draw(canvas)
    for index, reference in enumerate(references):
        row, col = divmod(index, cols)
        picture = contain(reference, (max(1, cell_w), max(1, cell_h)))
        x = margin + col * (cell_w + margin) + (cell_w - picture.width) // 2
        y = margin + row * (cell_h + margin) + (cell_h - picture.height) // 2
        pen.rectangle(
            (x - 2, y - 2, x + picture.width + 1, y + picture.height + 1), fill=(240, 240, 240)
        )
        canvas.paste(picture, (x, y))
    drawing.caption(canvas, prompt)
    return canvas


def _gradient_mask(size: tuple[int, int], style: int) -> Image.Image:
    """An L mask from 0 to 255 across `size`: 0 left→right, 1 top→bottom, 2 diagonal,
    3 radial (centre 0)."""
    if style == 3:
        ramp = Image.radial_gradient("L")
    else:
        ramp = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90)  # left dark
        if style == 1:
            ramp = Image.linear_gradient("L")  # top dark
        elif style == 2:
            ramp = ramp.rotate(-45, resample=Image.Resampling.BILINEAR, expand=True)
            ramp = ImageOps.fit(ramp, (256, 256))
    # Keep a pure band of each side at the ends, so both inputs stay recognisable.
    ramp = ramp.point(lambda v: max(0, min(255, round((v - 64) * 2))))
    return ramp.resize(size, Image.Resampling.BILINEAR)


def blend_tiles(inputs: list[Image.Image], seed: int, size: tuple[int, int]) -> list[Image.Image]:
    """Midjourney blend (§3.7): four tiles of `size`, each a different gradient blend of all
    the inputs (the order rotates per tile), numbered 1–4."""
    pictures = [cover(image, size) for image in inputs]
    rng = random.Random(seed)
    tiles = []
    for tile in range(4):
        order = pictures[tile % len(pictures) :] + pictures[: tile % len(pictures)]
        picture = order[0]
        for step, other in enumerate(order[1:], start=1):
            mask = _gradient_mask(size, (tile + step + rng.randrange(2)) % 4)
            picture = Image.composite(other, picture, mask)
        picture = picture.copy()
        drawing.draw_badge(picture, str(tile + 1))
        tiles.append(picture)
    return tiles


def face_swap(source: Image.Image, target: Image.Image) -> Image.Image:
    """Face swap (§3.6): `target` (RGB) with the centre of `source` set into its centre
    through a soft elliptical mask about 45 % of the target's shorter side wide."""
    target = target.convert("RGB")
    width, height = target.size
    face_w = max(2, round(min(width, height) * 0.45))
    face_h = max(2, round(face_w * 1.25))
    # The donor's central face-shaped area (an oval of the same proportions).
    side = min(source.width, source.height * face_w / face_h) * 0.6
    crop_w, crop_h = max(1, round(side)), max(1, round(side * face_h / face_w))
    left = (source.width - crop_w) // 2
    top = (source.height - crop_h) // 2
    face = (
        source.convert("RGB")
        .crop((left, top, left + crop_w, top + crop_h))
        .resize((face_w, face_h), Image.Resampling.LANCZOS)
    )
    mask = Image.new("L", (face_w, face_h), 0)
    inset = max(1, face_w // 12)
    ImageDraw.Draw(mask).ellipse((inset, inset, face_w - inset, face_h - inset), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(max(1, face_w // 24)))
    result = target.copy()
    result.paste(face, ((width - face_w) // 2, (height - face_h) // 2), mask)
    return result


# How far (summed over R, G, B) a pixel may be from the border pixel a fill starts at to count
# as background, and the size of the work copy the flood fill runs on.
BACKGROUND_TOLERANCE = 60
_FLOOD_SIDE = 256


def remove_background(image: Image.Image) -> Image.Image:
    """Background removal (§3.13): an RGBA copy of `image` in which every region reached from
    the border through pixels close to the border pixel it started from is transparent, with
    a soft (blurred) edge. A subject unlike what surrounds it stays opaque.

    Each border pixel seeds its own fill, so a gradient sky or a backdrop of several colours
    goes too (one "typical" border colour matched nothing in such pictures). The fill runs
    on a small copy (Pillow's fill is pure Python) and is scaled back up.
    """
    rgb = image.convert("RGB")
    work = rgb.resize(_work_size(rgb.size), Image.Resampling.BILINEAR).convert("RGBA")
    sw, sh = work.size
    border = [(x, 0) for x in range(sw)] + [(x, sh - 1) for x in range(sw)]
    border += [(0, y) for y in range(sh)] + [(sw - 1, y) for y in range(sh)]
    for point in border:
        if work.getpixel(point)[3]:  # not reached by an earlier fill
            ImageDraw.floodfill(work, point, (0, 0, 0, 0), thresh=BACKGROUND_TOLERANCE)
    reached = ImageOps.invert(work.getchannel("A"))  # 255 where the fills went
    transparent = reached.resize(rgb.size, Image.Resampling.BILINEAR).point(
        lambda v: 255 if v >= 128 else 0
    )
    alpha = ImageOps.invert(transparent).filter(ImageFilter.GaussianBlur(1.2))
    # The blur must not lift the fully transparent background off zero.
    alpha = ImageChops.multiply(
        alpha, ImageOps.invert(transparent).point(lambda v: 255 if v else 0)
    )
    if image.mode == "RGBA":
        alpha = ImageChops.multiply(alpha, image.getchannel("A"))
    result = rgb.copy()
    result.putalpha(alpha)
    return result


def _work_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, _FLOOD_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def upscale_to(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A true LANCZOS resize of `image` to `size`, alpha kept (Flux upscale, §3.12)."""
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    return image.convert(mode).resize(size, Image.Resampling.LANCZOS)
