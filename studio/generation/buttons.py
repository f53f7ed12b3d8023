"""The provider's buttons as people name them (docs/provider-contract.md §4, the button
table). Only the words change: the value sent to the provider stays its own, verbatim. One
table for every place a button is named (card and lightbox buttons, titles, lineage, detail
page, ZIP names), so a press reads the same everywhere. Imports nothing of the studio."""

from __future__ import annotations

import re

_NAMES = {
    "\U0001f504": "Reroll",  # 🔄
    "\u2b05\ufe0f": "Pan left",  # ⬅️
    "\u27a1\ufe0f": "Pan right",  # ➡️
    "\u2b06\ufe0f": "Pan up",  # ⬆️
    "\u2b07\ufe0f": "Pan down",  # ⬇️
    "Zoom Out 2x": "Zoom out 2x",
    "Zoom Out 1.5x": "Zoom out 1.5x",
    "Make Square": "Make square",
}
_TILE = re.compile(r"([UV])([1-4])")


def name(button: str) -> str:
    """A button's name for people: "U1" → "Upscale 1", "V2" → "Vary 2", "🔄" → "Reroll",
    "⬅️" → "Pan left", "Zoom Out 2x" → "Zoom out 2x"; the provider's other worded values
    ("Vary (Strong)", "Upscale (Subtle)", unknown ones) as they are. Emoji variation
    selectors may be missing in what a provider sends: "⬅" is "Pan left" too."""
    tile = _TILE.fullmatch(button)
    if tile:
        return f"{'Upscale' if tile.group(1) == 'U' else 'Vary'} {tile.group(2)}"
    return _NAMES.get(button) or _NAMES.get(f"{button}\ufe0f") or button
