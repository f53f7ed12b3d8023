"""Midjourney's fast time as `/info` prints it ("199.00/200.0 minutes (99.50%)"), read
leniently (docs/provider-contract.md §3.18). Used by diy.py's token, account and trace objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_UNITS = {
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "m": "minutes",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "h": "hours",
}
_NUMBER = r"(\d[\d,]*(?:\.\d+)?|\.\d+)"
_FAST_TIME = re.compile(rf"{_NUMBER}\s*(?:(?:/|of|out of)\s*{_NUMBER})?\s*([a-z]+)?", re.IGNORECASE)
_PERCENT = re.compile(rf"{_NUMBER}\s*%")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class FastTime:
    """Fast time remaining as Midjourney's `/info` prints it, e.g.
    "199.00/200.0 minutes (99.50%)": `remaining` and `total` in `unit` ("minutes" or
    "hours"; None when the text has no number for it), `percent` left (0–100, from the text
    or computed), and the original `text`."""

    remaining: float | None
    total: float | None
    unit: str
    percent: float | None
    text: str

    @property
    def remaining_minutes(self) -> float | None:
        if self.remaining is None:
            return None
        return self.remaining * 60 if self.unit == "hours" else self.remaining

    @property
    def total_minutes(self) -> float | None:
        if self.total is None:
            return None
        return self.total * 60 if self.unit == "hours" else self.total


def parse_fast_time(text: Any) -> FastTime | None:
    """Read `info.fastTimeRemaining`. Tolerates hours or minutes (any common spelling),
    thousands separators, a missing total or percentage and surrounding words; returns None
    when the text holds no number at all (e.g. "None", "", "unlimited")."""
    if text is None:
        return None
    text = str(text).strip()
    percent_match = _PERCENT.search(text)
    percent = _number(percent_match.group(1)) if percent_match else None
    # The numbers before the percentage, so "(99.50%)" is not read as a time.
    head = text[: percent_match.start()] if percent_match else text
    match = _FAST_TIME.search(head)
    if match is None:
        if percent is None:
            return None
        return FastTime(None, None, "minutes", _clamp(percent), text)
    remaining, total = _number(match.group(1)), _number(match.group(2))
    unit = _UNITS.get((match.group(3) or "").lower(), "minutes")
    if percent is None and remaining is not None and total:
        percent = 100.0 * remaining / total
    return FastTime(remaining, total, unit, _clamp(percent), text)


def _clamp(percent: float | None) -> float | None:
    return None if percent is None else max(0.0, min(100.0, round(percent, 2)))
