"""Reading Midjourney-style prompts: `--ar`, `--seed`, `--relax`, `--turbo`, banned words.

Midjourney parameters ride inside the prompt text (docs/provider-contract.md §3.1, https://platform.imaginepro.ai/ai-agent-skill). Bad
parameter values are not HTTP errors at ImaginePro: the job is accepted and Midjourney
rejects it later, so they surface here as a planned FAIL reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings

DEFAULT_BANNED_WORDS = ("banned", "forbidden")
SEED_MAX = 4294967295  # Midjourney accepts 0 … 2**32 - 1
GRID_TILE_SIDE = 512  # longest side of one grid tile, px: the grid is ≤ 1024
MAX_RATIO = 4  # widest accepted aspect (4:1 / 1:4)

_PARAM = re.compile(r"--([a-z]+)(?:\s+([^\s-][^\s]*))?", re.IGNORECASE)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Midjourney model versions as written after --v: 1 … 7, with 5.1, 5.2, 6.1 and the like.
_VERSION = re.compile(r"[1-7](?:\.[0-9])?")


@dataclass(frozen=True)
class PromptParams:
    """What the sandbox needs from a prompt. `problem` is a planned FAIL text or ""."""

    ratio: Fraction
    seed: int | None
    relax: bool
    turbo: bool
    problem: str
    version: float | None = None  # `--v`/`--version`; below 6 means the legacy upscalers


def parse_prompt(prompt: str) -> PromptParams:
    """Extract the Midjourney flags the sandbox acts on; unknown flags are ignored."""
    ratio, seed, relax, turbo, problem = Fraction(1), None, False, False, ""
    version = None
    for match in _PARAM.finditer(prompt):
        name, value = match.group(1).lower(), match.group(2)
        if name in ("ar", "aspect"):
            parsed = _parse_ratio(value or "")
            if parsed is None:
                problem = problem or f"Invalid parameter: --{name} {value or ''}".rstrip()
            else:
                ratio = parsed
        elif name == "seed":
            if value is not None and value.isdigit() and int(value) <= SEED_MAX:
                seed = int(value)
            else:
                problem = problem or f"Invalid parameter: --seed {value or ''}".rstrip()
        elif name == "relax":
            relax = True
        elif name == "turbo":
            turbo = True
        elif name in ("v", "version"):
            if value is not None and _VERSION.fullmatch(value):
                version = float(value)
            else:
                problem = problem or f"Invalid parameter: --{name} {value or ''}".rstrip()
    return PromptParams(
        ratio=ratio, seed=seed, relax=relax, turbo=turbo, problem=problem, version=version
    )


def leading_image_urls(prompt: str) -> list[str]:
    """The image URLs an imagine prompt starts with (§3.1 image-to-image: URLs first, then
    text), in order; [] for a plain text prompt."""
    urls = []
    for word in prompt.split():
        if not _URL.fullmatch(word):
            break
        urls.append(word)
    return urls


def _parse_ratio(value: str) -> Fraction | None:
    parts = value.split(":")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        return None
    ratio = Fraction(int(parts[0]), int(parts[1]))
    if not Fraction(1, MAX_RATIO) <= ratio <= MAX_RATIO:
        return None
    return ratio


def tile_size(ratio: Fraction, longest: int = GRID_TILE_SIDE) -> tuple[int, int]:
    """(width, height) in px for an aspect ratio, longest side `longest`."""
    if ratio >= 1:
        return longest, max(1, round(longest / ratio))
    return max(1, round(longest * ratio)), longest


def banned_words() -> list[str]:
    """The sandbox's moderation list: settings.SANDBOX_BANNED_WORDS or the default pair."""
    words = getattr(settings, "SANDBOX_BANNED_WORDS", DEFAULT_BANNED_WORDS)
    return [w.lower() for w in words if w]


def find_banned_word(prompt: str) -> str | None:
    """First banned word present in the prompt as a whole word (case-insensitive)."""
    lowered = prompt.lower()
    for word in banned_words():
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            return word
    return None


def caption_words(prompt: str, limit: int = 6) -> str:
    """The first words of a prompt without URLs and `--flags`, for drawing on the image."""
    text = _URL.sub(" ", prompt)
    text = _PARAM.sub(" ", text)
    words = text.split()
    caption = " ".join(words[:limit])
    return caption + (" …" if len(words) > limit else "")


def seed_from_id(message_id: str) -> int:
    """A stable seed for a message that names none (a Midjourney seed is 32 bits)."""
    return int(hashlib.sha256(message_id.encode()).hexdigest()[:8], 16)
