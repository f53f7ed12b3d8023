"""The sounds of ImagineLab sandbox generations: voice, a WAV of one rising-and-falling tone
per word, pitched by the voice and paced by `speed`; music, a WAV of `duration` seconds, a
chord progression and a melody hashed from the prompt, tempo and timbre by `genre`.
Deterministic for (prompt, seed, settings)."""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
import sys
import wave
from array import array

SAMPLE_RATE = 16000  # Hz, mono 16-bit WAV
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


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
