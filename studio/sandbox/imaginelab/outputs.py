"""Real output files of ImagineLab sandbox generations, drawn from the prompt and settings.

image: a PNG picture (studio/sandbox/render/drawing.py) in the requested aspect ratio.
video: an H.264 MP4 (studio.media.video.encode_mp4) of a slow pan across a picture, or an
    animated WebP for the model whose output is "webp"; as long as the `duration` setting.
voice, music: WAVs (audio.py).
infographic: a PNG with the prompt as title and a small bar chart, coloured by `theme`.
text: a short paragraph built from the prompt's words, at most `max_words` words.

Everything is deterministic for (prompt, seed, settings). Files are rendered once, the first
time a completed generation's outputs are asked for, into default storage under
`sandbox-lab/<file_key>/`.
"""

from __future__ import annotations

import io
import math
import random
import re
import threading
from fractions import Fraction

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from studio.media.video import encode_mp4

from ..prompts import caption_words
from ..render import drawing
from . import catalog
from .audio import music_wav, voice_wav
from .models import SandboxLabGeneration

IMAGE_SIDE = 768  # px, longest side of an image
INFOGRAPHIC_SIDE = 800
VIDEO_SIDE = 384  # px, longest side of a video (even sides for yuv420p)
MP4_FPS = 12
WEBP_FPS = 6
CONTENT_TYPES = {
    "png": "image/png",
    "mp4": "video/mp4",
    "webp": "image/webp",
    "wav": "audio/wav",
}

_render_lock = threading.Lock()  # one renderer per process: no two writers of one file
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


# --- names and storage -----------------------------------------------------------------------


def file_names(generation: SandboxLabGeneration) -> list[str]:
    """The files of a generation (none for text: its output is the text itself)."""
    extension = catalog.output_format(generation.model_name)
    if extension == "text":
        return []
    return [f"{generation.generation_type}.{extension}"]


def storage_name(generation: SandboxLabGeneration, name: str) -> str:
    return f"sandbox-lab/{generation.file_key}/{name}"


def content_type(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[-1]]


def ensure_files(generation: SandboxLabGeneration) -> None:
    """Render and store the generation's files unless done. Call only once it completed."""
    if generation.files_ready:
        return
    with _render_lock:
        if SandboxLabGeneration.objects.filter(pk=generation.pk, files_ready=True).exists():
            generation.files_ready = True
            return
        for name in file_names(generation):
            path = storage_name(generation, name)
            if default_storage.exists(path):
                continue
            saved = default_storage.save(path, ContentFile(render(generation)))
            if saved != path:  # another process wrote it meanwhile: same bytes, drop ours
                default_storage.delete(saved)
        SandboxLabGeneration.objects.filter(pk=generation.pk).update(files_ready=True)
        generation.files_ready = True


def delete_files(generation: SandboxLabGeneration) -> None:
    for name in file_names(generation):
        path = storage_name(generation, name)
        if default_storage.exists(path):
            default_storage.delete(path)


def render(generation: SandboxLabGeneration) -> bytes:
    """The bytes of the generation's one file."""
    prompt, seed, options = generation.prompt, generation.seed, generation.settings
    kind = generation.generation_type
    if kind == "image":
        size = frame_size(options.get("aspect_ratio", "1:1"), IMAGE_SIDE)
        return drawing.encode(drawing.draw_picture(prompt, seed, size))
    if kind == "infographic":
        return drawing.encode(infographic(prompt, seed, options))
    if kind == "video":
        frames, fps = video_frames(generation)
        if catalog.output_format(generation.model_name) == "webp":
            return animated_webp(frames, fps)
        return encode_mp4(frames, fps=fps)
    if kind == "voice":
        return voice_wav(prompt, options.get("voice", "aria"), float(options.get("speed", 1.0)))
    if kind == "music":
        return music_wav(prompt, seed, int(options.get("duration", 15)), options.get("genre", ""))
    raise ValueError(f"no file for generation type {kind!r}")


def frame_size(ratio: str, longest: int) -> tuple[int, int]:
    """(w, h) of an "a:b" ratio with its longest side `longest`, both even."""
    try:
        a, b = (int(part) for part in ratio.split(":"))
        value = Fraction(a, b)
    except (ValueError, ZeroDivisionError):
        value = Fraction(1)
    if value >= 1:
        width, height = longest, longest / value
    else:
        width, height = longest * value, longest
    return max(2, int(round(width / 2)) * 2), max(2, int(round(height / 2)) * 2)


# --- video ------------------------------------------------------------------------------------


def video_frames(generation: SandboxLabGeneration) -> tuple[list[Image.Image], int]:
    """Frames of a slow diagonal pan with a gentle zoom across a picture of the prompt, and
    the frame rate: `duration` seconds long."""
    options = generation.settings
    size = frame_size(options.get("aspect_ratio", "16:9"), VIDEO_SIDE)
    fps = WEBP_FPS if catalog.output_format(generation.model_name) == "webp" else MP4_FPS
    count = max(1, int(options.get("duration", 5)) * fps)
    scene_size = (round(size[0] * 1.4), round(size[1] * 1.4))
    scene = drawing.draw_picture(generation.prompt, generation.seed, scene_size)
    frames = []
    for index in range(count):
        t = index / max(1, count - 1)
        zoom = 1.0 + 0.15 * math.sin(math.pi * t)  # in and back out
        crop_w, crop_h = size[0] * 1.2 / zoom, size[1] * 1.2 / zoom
        x = (scene_size[0] - crop_w) * t
        y = (scene_size[1] - crop_h) * (0.5 + 0.5 * math.sin(2 * math.pi * t))
        frame = scene.resize(size, Image.Resampling.BILINEAR, box=(x, y, x + crop_w, y + crop_h))
        drawing.caption(frame, generation.prompt)
        frames.append(frame)
    return frames, fps


def animated_webp(frames: list[Image.Image], fps: int) -> bytes:
    """Frames as a looping animated WebP."""
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=round(1000 / fps),
        loop=0,
        quality=70,
    )
    return buffer.getvalue()


# --- infographic ------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


THEMES = {
    "light": {"bg": (248, 248, 244), "ink": (30, 34, 44), "muted": (110, 115, 125)},
    "dark": {"bg": (22, 24, 32), "ink": (236, 238, 242), "muted": (150, 155, 168)},
    "vivid": {"bg": (255, 244, 214), "ink": (40, 20, 70), "muted": (120, 80, 110)},
}
_STOP = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "by"}


def chart_labels(prompt: str, count: int = 5) -> list[str]:
    """Bar labels: the prompt's longest distinct words, in prompt order."""
    words = []
    for word in _WORD.findall(prompt):
        lowered = word.lower()
        if lowered not in _STOP and lowered not in (w.lower() for w in words):
            words.append(word)
    words = sorted(words, key=len, reverse=True)[:count]
    ordered = [w for w in _WORD.findall(prompt) if w in words]
    unique = list(dict.fromkeys(ordered)) or ["Alpha", "Beta", "Gamma"]
    return [w.capitalize() for w in unique[:count]]


def infographic(prompt: str, seed: int, options: dict) -> Image.Image:
    """A titled card with a horizontal bar chart of the prompt's key words."""
    size = frame_size(options.get("aspect_ratio", "3:4"), INFOGRAPHIC_SIDE)
    width, height = size
    theme = THEMES.get(options.get("theme", "light"), THEMES["light"])
    colours = drawing.palette(prompt, seed)
    picture = Image.new("RGB", size, theme["bg"])
    pen = ImageDraw.Draw(picture)
    unit = min(width, height)
    margin = round(unit * 0.07)
    small_font = _font(max(10, unit // 32))
    # Title band in the palette's first colour.
    band = round(unit * 0.2)
    pen.rectangle((0, 0, width, band), fill=colours[0])
    title = caption_words(prompt, limit=8) or "Infographic"
    title_size = max(14, unit // 14)
    while title_size > 14 and pen.textlength(title, font=_font(title_size)) > width - 2 * margin:
        title_size -= 2
    title_font = _font(title_size)
    while len(title) > 4 and pen.textlength(title, font=title_font) > width - 2 * margin:
        title = title[:-2].rstrip() + "…"
    # Dark ink on a light band, white on a dark one (ITU-R BT.601 luma).
    luma = 0.299 * colours[0][0] + 0.587 * colours[0][1] + 0.114 * colours[0][2]
    title_ink = (20, 20, 28) if luma > 150 else (255, 255, 255)
    pen.text((margin, band / 2), title, font=title_font, fill=title_ink, anchor="lm")
    pen.text(
        (margin, band + margin * 0.6),
        "Key figures (sandbox data)",
        font=small_font,
        fill=theme["muted"],
        anchor="lm",
    )
    rng = random.Random(f"{prompt}|{seed}|chart")
    labels = chart_labels(prompt)
    values = [rng.randint(12, 100) for _ in labels]
    top = band + margin * 1.4
    bottom = height - margin * 1.6
    slot = min((bottom - top) / len(labels), unit * 0.14)  # few labels: slimmer bars
    label_width = max(pen.textlength(label, font=small_font) for label in labels) + margin / 2
    bar_left = margin + label_width
    bar_span = width - margin - bar_left - margin * 1.5
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + slot * index + slot * 0.2
        bar_height = slot * 0.6
        pen.text(
            (margin, y + bar_height / 2), label, font=small_font, fill=theme["ink"], anchor="lm"
        )
        length = bar_span * value / 100
        colour = colours[2 + index % (len(colours) - 2)]
        pen.rounded_rectangle(
            (bar_left, y, bar_left + length, y + bar_height),
            radius=max(2, bar_height / 5),
            fill=colour,
        )
        pen.text(
            (bar_left + length + margin * 0.3, y + bar_height / 2),
            f"{value}%",
            font=small_font,
            fill=theme["ink"],
            anchor="lm",
        )
    pen.text(
        (margin, height - margin * 0.8),
        "ImagineLab sandbox",
        font=small_font,
        fill=theme["muted"],
        anchor="lm",
    )
    return picture


# --- text -------------------------------------------------------------------------------------

_OPENINGS = (
    "Picture {subject}.",
    "Consider {subject}.",
    "Here is a short take on {subject}.",
)
_MIDDLES = (
    "The idea of {word} sets the tone, and everything else follows from it.",
    "{Word} gives the scene its shape, while the details fill in around it.",
    "Notice how {word} changes the mood the closer you look.",
    "There is a quiet rhythm to {word}, steady and easy to follow.",
    "What stands out first is {word}; what stays longest is the feeling it leaves.",
)
_CLOSINGS = (
    "In the end, {subject} is simple to describe and harder to forget.",
    "That is {subject}, in a few honest lines.",
)


def text_output(prompt: str, seed: int, max_words: int = 120) -> str:
    """A paragraph about the prompt (its words woven into stock sentences), at most
    `max_words` words. Deterministic for (prompt, seed)."""
    rng = random.Random(f"{prompt}|{seed}|text")
    subject = " ".join(prompt.split()[:12]).rstrip(".!?") or "this idea"
    first = subject.split()[0]
    if not (len(first) > 1 and first.isupper()):  # keep an acronym, lower "A neon …"
        subject = subject[0].lower() + subject[1:]
    keywords = [w for w in _WORD.findall(prompt) if w.lower() not in _STOP] or ["it"]
    sentences = [rng.choice(_OPENINGS).format(subject=subject)]
    middles = list(_MIDDLES)
    rng.shuffle(middles)
    for index, template in enumerate(middles):
        word = keywords[index % len(keywords)].lower()
        sentences.append(template.format(word=word, Word=word.capitalize()))
    sentences.append(rng.choice(_CLOSINGS).format(subject=subject))
    words = " ".join(sentences).split()
    if len(words) > max_words:
        words = words[:max_words]
        words[-1] = words[-1].rstrip(",;:") + ("" if words[-1].endswith(".") else "…")
    return " ".join(words)
