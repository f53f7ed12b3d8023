"""Pillow drawings for the sandbox: deterministic pictures that visibly depend on the prompt.

Everything here is pure: same arguments, same pixels. A picture is a gradient background and
a few shapes in a palette hashed from (prompt, seed), the first words of the prompt as a
caption and a numbered badge, so a person can tell tiles, seeds and prompts apart.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from ..prompts import caption_words

RGB = tuple[int, int, int]

# Pillow format names and HTTP content types for the output formats Flux accepts (§3.11).
FORMATS = {"png": "PNG", "webp": "WEBP", "jpg": "JPEG", "jpeg": "JPEG"}
CONTENT_TYPES = {
    "png": "image/png",
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}


def palette(prompt: str, seed: int, size: int = 6) -> list[RGB]:
    """`size` harmonious colours hashed from the prompt and the seed."""
    digest = hashlib.sha256(f"{prompt.strip().lower()}|{seed}".encode()).digest()
    base_hue = digest[0] / 255
    colours = []
    for i in range(size):
        hue = (base_hue + i * (0.08 + digest[1] / 2550) + (i % 2) * 0.5) % 1.0
        saturation = 0.45 + digest[2 + i] / 255 * 0.45
        lightness = 0.30 + digest[10 + i] / 255 * 0.45
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        colours.append((round(r * 255), round(g * 255), round(b * 255)))
    return colours


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_picture(
    prompt: str, seed: int, size: tuple[int, int], *, label: str = "", shift: int = 0
) -> Image.Image:
    """A fresh RGB picture of `size` for (prompt, seed); `shift` rotates the palette."""
    width, height = size
    colours = palette(prompt, seed)
    if shift:
        colours = colours[shift % len(colours) :] + colours[: shift % len(colours)]
    rng = random.Random(f"{prompt}|{seed}|{shift}")

    style = rng.choice(("vertical", "horizontal", "radial"))
    if style == "radial":
        ramp = Image.radial_gradient("L")
    else:
        ramp = Image.linear_gradient("L")
        if style == "horizontal":
            ramp = ramp.transpose(Image.Transpose.ROTATE_90)
    ramp = ramp.resize(size, Image.Resampling.BILINEAR)
    picture = ImageOps.colorize(ramp, black=colours[0], white=colours[1]).convert("RGBA")

    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    unit = min(width, height)
    # A horizon: a soft hill line across the lower part.
    base_y = height * rng.uniform(0.55, 0.8)
    points = [(0, height)]
    for step in range(9):
        x = width * step / 8
        points.append((x, base_y + rng.uniform(-0.12, 0.12) * height))
    points.append((width, height))
    pen.polygon(points, fill=(*colours[2], 200))
    # A "sun" and a handful of shapes.
    sun_r = unit * rng.uniform(0.08, 0.16)
    sun_x, sun_y = width * rng.uniform(0.2, 0.8), height * rng.uniform(0.15, 0.4)
    pen.ellipse(
        (sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r), fill=(*colours[3], 230)
    )
    for _ in range(rng.randint(4, 7)):
        colour = (*rng.choice(colours[2:]), rng.randint(90, 190))
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = unit * rng.uniform(0.04, 0.14)
        kind = rng.choice(("ellipse", "box", "triangle"))
        if kind == "ellipse":
            pen.ellipse((cx - r, cy - r, cx + r, cy + r * rng.uniform(0.6, 1.4)), fill=colour)
        elif kind == "box":
            pen.rounded_rectangle((cx - r, cy - r, cx + r, cy + r), radius=r / 4, fill=colour)
        else:
            pen.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    picture = Image.alpha_composite(picture, layer).convert("RGB")
    _caption(picture, caption_words(prompt))
    if label:
        draw_badge(picture, label)
    return picture


def caption(picture: Image.Image, prompt: str) -> None:
    """Write the first words of `prompt` (no URLs or flags) along the bottom, in place."""
    _caption(picture, caption_words(prompt))


def draw_portrait(prompt: str, seed: int, size: tuple[int, int]) -> Image.Image:
    """Lumi Girl (§3.16): a picture of the prompt with a stylised head-and-shoulders figure
    in front, so the character model's outputs look like portraits."""
    width, height = size
    picture = draw_picture(prompt, seed, size, shift=2)
    colours = palette(prompt, seed + 1)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    unit = min(width, height)
    cx = width / 2
    head_r = unit * 0.16
    head_y = height * 0.42
    # Shoulders: a wide rounded shape rising from the bottom edge, then the hair and face.
    pen.ellipse(
        (cx - unit * 0.42, head_y + head_r * 1.1, cx + unit * 0.42, height + unit * 0.35),
        fill=(*colours[4], 235),
    )
    pen.ellipse(
        (cx - head_r * 1.3, head_y - head_r * 1.35, cx + head_r * 1.3, head_y + head_r * 1.2),
        fill=(*colours[5], 240),
    )
    pen.ellipse(
        (cx - head_r, head_y - head_r * 1.1, cx + head_r, head_y + head_r * 1.15),
        fill=(238, 205, 180, 255),
    )
    for side in (-1, 1):  # eyes
        ex, ey, er = cx + side * head_r * 0.4, head_y - head_r * 0.1, max(1, head_r * 0.11)
        pen.ellipse((ex - er, ey - er, ex + er, ey + er), fill=(*colours[0], 255))
    picture = Image.alpha_composite(picture.convert("RGBA"), layer).convert("RGB")
    _caption(picture, caption_words(prompt))
    return picture


def _caption(picture: Image.Image, text: str) -> None:
    """Write `text` in a dark band along the bottom edge (in place)."""
    if not text:
        return
    width, height = picture.size
    size = max(10, min(width, height) // 16)
    pen = ImageDraw.Draw(picture)
    while size > 10 and pen.textlength(text, font=_font(size)) > width * 0.92:
        size -= 2
    while len(text) > 4 and pen.textlength(text, font=_font(size)) > width * 0.92:
        text = text[:-2].rstrip() + "…"
    band = round(size * 1.8)
    shade = Image.new("RGB", (width, band), (12, 12, 18))
    picture.paste(
        Image.blend(picture.crop((0, height - band, width, height)), shade, 0.6),
        (0, height - band),
    )
    pen.text(
        (width * 0.04, height - band / 2), text, font=_font(size), fill=(245, 245, 245), anchor="lm"
    )


def draw_badge(picture: Image.Image, label: str) -> None:
    """A round white badge with `label` (the tile number) in the top-left corner, in place."""
    unit = min(picture.size)
    r = max(8, unit // 14)
    pen = ImageDraw.Draw(picture)
    centre = (r + unit // 40, r + unit // 40)
    pen.ellipse((centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r), fill=(250, 250, 250))
    pen.text(centre, label, font=_font(round(r * 1.1)), fill=(20, 20, 30), anchor="mm")


def compose_grid(tiles: list[Image.Image]) -> Image.Image:
    """Four equal tiles as a 2×2 grid (1 2 / 3 4), like a Midjourney grid."""
    width, height = tiles[0].size
    grid = Image.new("RGB", (width * 2, height * 2))
    for index, tile in enumerate(tiles):
        grid.paste(tile, ((index % 2) * width, (index // 2) * height))
    return grid


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` resized (LANCZOS) to exactly `size`."""
    if image.size == size:
        return image.copy()
    return image.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def variation(
    base: Image.Image, prompt: str, seed: int, size: tuple[int, int], strength: float, label: str
) -> Image.Image:
    """`base` mixed with a fresh drawing: strength 0 = base, 1 = all new."""
    fresh = draw_picture(prompt, seed, size, shift=1 + seed % 5)
    picture = Image.blend(fit(base, size), fresh, strength)
    draw_badge(picture, label)
    return picture


def zoom_out(
    source: Image.Image, prompt: str, seed: int, size: tuple[int, int], factor: float, label: str
) -> Image.Image:
    """`source` shrunk by `factor` in the centre of a new, larger scene of `size`."""
    scene = draw_picture(prompt, seed, size, shift=2)
    inner = (max(1, round(size[0] / factor)), max(1, round(size[1] / factor)))
    scene.paste(fit(source, inner), ((size[0] - inner[0]) // 2, (size[1] - inner[1]) // 2))
    draw_badge(scene, label)
    return scene


# Where the old picture sits on the new canvas, per pan direction: the new area opens on
# the side the arrow points to.
PAN_ANCHORS = {"left": (1.0, 0.5), "right": (0.0, 0.5), "up": (0.5, 1.0), "down": (0.5, 0.0)}


def extend(
    source: Image.Image,
    prompt: str,
    seed: int,
    size: tuple[int, int],
    anchor: tuple[float, float],
    label: str,
) -> Image.Image:
    """`source` kept at its aspect, placed at `anchor` on a new scene of `size` (pan, square)."""
    scene = draw_picture(prompt, seed, size, shift=3)
    scale = min(size[0] / source.width, size[1] / source.height)
    inner = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
    x = round((size[0] - inner[0]) * anchor[0])
    y = round((size[1] - inner[1]) * anchor[1])
    scene.paste(fit(source, inner), (x, y))
    draw_badge(scene, label)
    return scene


def vary_region(
    source: Image.Image,
    mask: Image.Image,
    prompt: str,
    seed: int,
    size: tuple[int, int],
    label: str,
) -> Image.Image:
    """Redraw only where `mask` is white (docs/provider-contract.md §3.3: white = region to redraw)."""
    base = fit(source, size)
    fresh = draw_picture(prompt, seed, size, shift=4)
    region = mask.convert("L").resize(size, Image.Resampling.BILINEAR)
    picture = Image.composite(Image.blend(base, fresh, 0.85), base, region)
    draw_badge(picture, label)
    return picture


def upscale(source: Image.Image, factor: int = 2, *, creative: bool = False) -> Image.Image:
    """A real `factor`× LANCZOS resize; "creative" also sharpens and lifts contrast."""
    size = (source.width * factor, source.height * factor)
    image = source.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    if creative:
        image = image.filter(ImageFilter.DETAIL)
        image = ImageEnhance.Contrast(image).enhance(1.08)
    return image


def encode(image: Image.Image, fmt: str = "png", quality: int = 100) -> bytes:
    """Image bytes in `fmt` (a FORMATS key); `quality` 1–100 for lossy formats."""
    buffer = io.BytesIO()
    pillow_format = FORMATS[fmt]
    if pillow_format == "PNG":
        image.save(buffer, "PNG", compress_level=3)
    else:
        image.save(buffer, pillow_format, quality=max(1, min(100, quality)))
    return buffer.getvalue()
