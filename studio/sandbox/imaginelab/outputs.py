"""Real output files of ImagineLab sandbox generations, drawn from the prompt and settings.

image: a PNG picture (studio/sandbox/drawing.py) in the requested aspect ratio.
video: an H.264 MP4 (studio.media.video.encode_mp4) of a slow pan across a picture, or an
    animated WebP for the model whose output is "webp"; as long as the `duration` setting.
voice: a WAV of one rising-and-falling tone per word, pitched by the voice, paced by `speed`.
music: a WAV of `duration` seconds: a chord progression and a melody hashed from the prompt,
    tempo and timbre by `genre`.
infographic: a PNG with the prompt as title and a small bar chart, coloured by `theme`.
text: a short paragraph built from the prompt's words, at most `max_words` words.

Everything is deterministic for (prompt, seed, settings). Files are rendered once, the first
time a completed generation's outputs are asked for, into default storage under
`sandbox-lab/<file_key>/`.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
import sys
import threading
import wave
from array import array
from fractions import Fraction

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from .. import drawing
from ..prompts import caption_words
from . import catalog
from .models import SandboxLabGeneration

IMAGE_SIDE = 768  # px, longest side of an image
INFOGRAPHIC_SIDE = 800
VIDEO_SIDE = 384  # px, longest side of a video (even sides for yuv420p)
MP4_FPS = 12
WEBP_FPS = 6
SAMPLE_RATE = 16000  # Hz, mono 16-bit WAV
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
        from studio.media.video import encode_mp4  # PyAV is only loaded for videos

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


# --- audio ------------------------------------------------------------------------------------


def _wav(samples: list[float]) -> bytes:
    """Mono 16-bit WAV at SAMPLE_RATE from samples in -1…1 (clipped)."""
    pcm = array("h", (int(max(-1.0, min(1.0, s)) * 32000) for s in samples))
    if sys.byteorder == "big":
        pcm.byteswap()  # WAV is little-endian
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


_TABLE_SIZE = 2048


def _wavetable(weights: tuple[float, ...]) -> list[float]:
    """One period of a waveform with harmonic `weights`, normalised to peak 1: looking it up
    is much cheaper than summing sines for every sample."""
    table = [
        sum(w * math.sin((k + 1) * 2 * math.pi * i / _TABLE_SIZE) for k, w in enumerate(weights))
        for i in range(_TABLE_SIZE)
    ]
    peak = max(abs(v) for v in table) or 1.0
    return [v / peak for v in table]


VOICE_PITCH = {"aria": 220.0, "basil": 130.0, "coral": 260.0, "dune": 105.0}  # Hz
VOICE_MAX_SECONDS = 20


def voice_wav(prompt: str, voice: str, speed: float = 1.0) -> bytes:
    """A WAV "reading" the prompt: per word a tone that glides like an intonation contour,
    longer for longer words, pitched by `voice`; `speed` shortens everything. At most
    VOICE_MAX_SECONDS."""
    words = _WORD.findall(prompt)[:80] or ["hello"]
    base = VOICE_PITCH.get(voice, 200.0)
    speed = max(0.25, speed)
    table = _wavetable((1.0, 0.35, 0.15))  # a fundamental and two harmonics: voice-like
    limit = VOICE_MAX_SECONDS * SAMPLE_RATE
    samples: list[float] = []
    for position, word in enumerate(words):
        count = int((0.16 + 0.045 * len(word)) / speed * SAMPLE_RATE)
        start = base * (1.0 + (_hash(word) % 7) / 20)
        end = start * (0.85 if position == len(words) - 1 else 1.08)
        phase = 0.0
        for i in range(count):
            t = i / count
            phase += (start + (end - start) * t) * _TABLE_SIZE / SAMPLE_RATE
            envelope = math.sin(math.pi * t)
            samples.append(0.6 * envelope * table[int(phase) % _TABLE_SIZE])
        samples.extend([0.0] * int(0.07 / speed * SAMPLE_RATE))
        if len(samples) >= limit:
            break
    return _wav(samples[:limit])


# Tempo (beats per minute) and a timbre (harmonic weights) per genre.
GENRES = {
    "ambient": (70, (1.0, 0.2, 0.05)),
    "electronic": (124, (1.0, 0.5, 0.3)),
    "jazz": (96, (1.0, 0.3, 0.15)),
    "rock": (132, (1.0, 0.6, 0.4)),
    "classical": (84, (1.0, 0.25, 0.1)),
}
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_PROGRESSIONS = ((0, 5, 3, 4), (0, 3, 4, 4), (0, 4, 5, 3), (5, 3, 0, 4))


def _note(degree: int, root: float) -> float:
    octave, step = divmod(degree, 7)
    return root * 2 ** ((12 * octave + _MAJOR[step]) / 12)


def music_wav(prompt: str, seed: int, seconds: int, genre: str) -> bytes:
    """A WAV of `seconds`: a four-chord progression (bass and pad) and a melody on top, all
    picked from the prompt and seed; the genre sets the tempo and the timbre."""
    rng = random.Random(f"{prompt}|{seed}")
    tempo, weights = GENRES.get(genre, GENRES["ambient"])
    table = _wavetable(weights)
    beat = 60.0 / tempo
    bar = beat * 4
    root = 196.0 * 2 ** (rng.randrange(0, 7) / 12)
    progression = rng.choice(_PROGRESSIONS)
    total = int(seconds * SAMPLE_RATE)
    samples = [0.0] * total

    def add_tone(start: float, length: float, frequency: float, volume: float) -> None:
        first = int(start * SAMPLE_RATE)
        count = min(int(length * SAMPLE_RATE), total - first)
        step = frequency * _TABLE_SIZE / SAMPLE_RATE
        attack = int(0.02 * SAMPLE_RATE)
        # Exponential decay to exp(-2.5) over the note, as one multiplication per sample.
        decay = math.exp(-2.5 / max(1, int(length * SAMPLE_RATE)))
        level, phase = volume, 0.0
        for i in range(max(0, count)):
            ramp = i / attack if i < attack else 1.0
            samples[first + i] += level * ramp * table[int(phase) % _TABLE_SIZE]
            phase += step
            level *= decay

    time, bar_index = 0.0, 0
    while time < seconds:
        chord = progression[bar_index % len(progression)]
        add_tone(time, bar, _note(chord, root / 2), 0.25)  # bass
        for offset in (2, 4):  # the chord's third and fifth as a pad
            add_tone(time, bar, _note(chord + offset, root), 0.08)
        for step in range(8):  # eighth-note melody with some rests
            if rng.random() < 0.25:
                continue
            degree = chord + rng.choice((0, 2, 4, 7, 9))
            add_tone(time + step * beat / 2, beat / 2, _note(degree, root * 2), 0.14)
        time += bar
        bar_index += 1
    fade = min(total, SAMPLE_RATE)  # one second fade-out
    for i in range(fade):
        samples[total - fade + i] *= 1 - i / fade
    return _wav(samples)


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
