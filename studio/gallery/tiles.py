"""The shape of a generation's tiles on the gallery's wall (templates/gallery/gallery.html):
each finished image at its own width/height, a job without an image at the ratio it asked
for, so the wall keeps its rows while a job runs and after it fails."""

from __future__ import annotations

import re

from studio.generation.models import Asset

# `--ar 16:9` or `--aspect 16:9` in a Midjourney prompt (docs/provider-contract.md).
_PROMPT_RATIO = re.compile(r"--(?:ar|aspect)\s+(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)")
_RATIO = re.compile(r"\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*")
# Outside these a tile would be a sliver or a ribbon; the image itself is not cropped much.
LOWEST, HIGHEST = 0.25, 4.0
SQUARE = 1.0
WIDE = 1.6  # a card-like tile (video, audio, text): room for its players and words


def _clamped(ratio: float) -> float:
    return min(HIGHEST, max(LOWEST, ratio))


def ratio_text(ratio: float) -> str:
    """A ratio as the `data-ar` attribute carries it: "1.7778" (a dot, whatever the locale)."""
    return f"{_clamped(ratio):.4f}"


def _named(text: str) -> float | None:
    """ "16:9" → 1.777…; None for anything else."""
    match = _RATIO.fullmatch(str(text or ""))
    if not match:
        return None
    width, height = float(match.group(1)), float(match.group(2))
    return width / height if width > 0 and height > 0 else None


def asset_ratio(asset: Asset) -> float:
    """An image's or video's width / height, or 1 when its size is unknown (0 × 0)."""
    if asset.width > 0 and asset.height > 0:
        return asset.width / asset.height
    return SQUARE


def job_ratio(generation) -> float:
    """The ratio a job's result will have, as far as the row tells: the delivered ratio
    (`aspect_ratio`, recorded when stored), else what was asked (`params` "aspect_ratio" or
    "ar", an exact width and height, or `--ar` in the prompt), else square."""
    params = generation.params or {}
    for text in (generation.aspect_ratio, params.get("aspect_ratio"), params.get("ar")):
        ratio = _named(text)
        if ratio:
            return ratio
    try:
        width, height = float(params.get("width") or 0), float(params.get("height") or 0)
    except (TypeError, ValueError):
        width = height = 0
    if width > 0 and height > 0:
        return width / height
    match = _PROMPT_RATIO.search(generation.prompt or "")
    if match and float(match.group(2)) > 0:
        return float(match.group(1)) / float(match.group(2))
    return SQUARE
