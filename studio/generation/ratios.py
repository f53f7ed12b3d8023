"""Aspect ratios of delivered files, as the gallery names and filters them ("16:9")."""

from __future__ import annotations

from math import gcd

# Ratios people ask for by name; a delivered size within SNAP_TOLERANCE of one is called by it
# (providers round sizes to multiples of 8 or 64, e.g. 1456×816 is "16:9").
COMMON_RATIOS = ("1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "21:9")
SNAP_TOLERANCE = 0.02


def aspect_ratio_of(width: int, height: int) -> str:
    """A pixel size as "W:H": the nearest of COMMON_RATIOS when within ~2 %, else the size
    reduced by its greatest common divisor (e.g. 1000×700 → "10:7"); "" for a zero size."""
    if width <= 0 or height <= 0:
        return ""
    actual = width / height
    nearest = min(COMMON_RATIOS, key=lambda name: abs(actual / _ratio(name) - 1))
    if abs(actual / _ratio(nearest) - 1) <= SNAP_TOLERANCE:
        return nearest
    divisor = gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def _ratio(name: str) -> float:
    w, h = name.split(":")
    return int(w) / int(h)
