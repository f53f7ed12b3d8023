"""Midjourney buttons: which ones a message offers, and what pressing one produces.

Values and their meaning come from docs/provider-contract.md §4 (docs D:215985336 and siblings); the
lists per stage are the simulator's choice recorded there. A value must be sent exactly as
listed, emoji included (§3.3), so they are spelled with escapes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..models import SandboxJob
from ..prompts import parse_prompt, tile_size
from .lifecycle import DONE, PROCESSING, QUEUED

REROLL = "\U0001f504"  # 🔄
LEFT = "\u2b05\ufe0f"  # ⬅️
RIGHT = "\u27a1\ufe0f"  # ➡️
UP = "\u2b06\ufe0f"  # ⬆️
DOWN = "\u2b07\ufe0f"  # ⬇️
PAN_DIRECTIONS = {LEFT: "left", RIGHT: "right", UP: "up", DOWN: "down"}

UPSCALE_TILE = {f"U{n}": n for n in range(1, 5)}
VARY_TILE = {f"V{n}": n for n in range(1, 5)}
UPSCALE_AGAIN = {"Upscale (Subtle)": False, "Upscale (Creative)": True}  # value: creative?
# Legacy upscalers offered instead of Subtle/Creative when the prompt asks for a model
# version below 6 (`--v 5.2`): real 2×/4× resizes (§4, OLD:/button/upscale).
LEGACY_UPSCALE = {"Upscale (2x)": 2, "Upscale (4x)": 4}
LEGACY_MAX_SIDE = 4096  # px: a legacy upscale is shrunk to fit, should a source be larger
CANCEL_JOB = "Cancel Job"
CANCELLED = "Job cancelled"
# Midjourney jobs that run on Discord and can be cancelled while QUEUED or PROCESSING
# (§4: "only while progress < 100"). The answer to a press is DONE at once (kind BUTTON,
# shape NONE), so it never offers Cancel itself.
CANCELLABLE_KINDS = (SandboxJob.Kind.IMAGINE, SandboxJob.Kind.BUTTON, SandboxJob.Kind.BLEND)
VARY_STRENGTH = {"Vary (Subtle)": 0.25, "Vary (Strong)": 0.6}
VARY_REGION = "Vary (Region)"
ZOOM_FACTORS = {"Zoom Out 2x": 2.0, "Zoom Out 1.5x": 1.5}
MAKE_SQUARE = "Make Square"
PAN_GROWTH = Fraction(3, 2)  # a pan adds half the picture in the arrow's direction

# A finished grid offers what the provider's Get Progress example shows on one message
# (https://docs.imaginepro.ai/api-215981214): the tiles' U and V, reroll, both zooms and
# both varies; the zooms and varies act on the grid's picture as a whole.
GRID_BUTTONS = [
    "U1",
    "U2",
    "U3",
    "U4",
    REROLL,
    "V1",
    "V2",
    "V3",
    "V4",
    "Zoom Out 2x",
    "Zoom Out 1.5x",
    "Vary (Strong)",
    "Vary (Subtle)",
]
UPSCALED_BUTTONS = [
    "Upscale (Subtle)",
    "Upscale (Creative)",
    "Vary (Subtle)",
    "Vary (Strong)",
    VARY_REGION,
    "Zoom Out 2x",
    "Zoom Out 1.5x",
    LEFT,
    RIGHT,
    UP,
    DOWN,
]
# After Upscale (Subtle|Creative) the list is not documented (GUESS): everything except
# upscaling again, so sizes stay bounded (≤ 2048 px).
REFINED_BUTTONS = [b for b in UPSCALED_BUTTONS if b not in UPSCALE_AGAIN]
LEGACY_UPSCALED_BUTTONS = [*LEGACY_UPSCALE, *REFINED_BUTTONS]

# Cost of a button press in credits. https://platform.imaginepro.ai/ai-agent-skill documents 5 for U/V; the price of the other
# actions is unknown (docs/provider-contract.md §5), so every button costs the same 5.
BUTTON_COST = 5


def available_buttons(job: SandboxJob, status: str) -> list[str]:
    """The `buttons` of a message.

    While QUEUED/PROCESSING a Midjourney imagine/button/blend offers ["Cancel Job"]. When
    DONE: a grid (imagine, blend, V, 🔄, zoom, pan…) the grid buttons; an upscaled image the
    upscaled-stage list (legacy 2x/4x upscalers for `--v` below 6), + Make Square if not 1:1.
    Empty after FAIL and for every other kind (Flux, tools, video, describe, face swap).
    """
    if status in (QUEUED, PROCESSING):
        return [CANCEL_JOB] if job.kind in CANCELLABLE_KINDS else []
    if status != DONE or job.kind not in CANCELLABLE_KINDS:
        return []
    if job.shape == SandboxJob.Shape.GRID:
        return list(GRID_BUTTONS)
    if job.shape != SandboxJob.Shape.SINGLE:  # the answer to a Cancel Job press
        return []
    if job.action in UPSCALE_AGAIN or job.action in LEGACY_UPSCALE:
        buttons = list(REFINED_BUTTONS)
    elif is_legacy(job.prompt):
        buttons = list(LEGACY_UPSCALED_BUTTONS)
    else:
        buttons = list(UPSCALED_BUTTONS)
    if job.width != job.height:
        buttons.append(MAKE_SQUARE)
    return buttons


def is_legacy(prompt: str) -> bool:
    """True when the prompt asks for a Midjourney version below 6 (`--v 5`, `--v 5.2`)."""
    version = parse_prompt(prompt).version
    return version is not None and version < 6


@dataclass(frozen=True)
class ButtonPlan:
    """What a button job will produce: pace (a lifecycle.DURATIONS key), shape, pixel size
    of one output image and the number of images."""

    pace: str
    shape: str
    width: int
    height: int
    count: int


def plan_button(parent: SandboxJob, value: str) -> ButtonPlan:
    """The output of pressing `value` on `parent` (the value must be in its buttons)."""
    grid, single = SandboxJob.Shape.GRID, SandboxJob.Shape.SINGLE
    w, h = parent.width, parent.height
    if value in UPSCALE_TILE or value in UPSCALE_AGAIN:
        return ButtonPlan("upscale", single, w * 2, h * 2, 1)
    if value in LEGACY_UPSCALE:
        factor = LEGACY_UPSCALE[value]
        shrink = min(Fraction(1), Fraction(LEGACY_MAX_SIDE, max(w, h) * factor))
        return ButtonPlan(
            "upscale", single, round(w * factor * shrink), round(h * factor * shrink), 1
        )
    if value in VARY_TILE or value == REROLL:
        return ButtonPlan("grid", grid, w, h, 4)
    if value == MAKE_SQUARE:
        side = max(tile_size(Fraction(1)))
        return ButtonPlan("grid", grid, side, side, 4)
    ratio = Fraction(w, h)
    if value in PAN_DIRECTIONS:
        horizontal = PAN_DIRECTIONS[value] in ("left", "right")
        ratio = ratio * PAN_GROWTH if horizontal else ratio / PAN_GROWTH
    tile_w, tile_h = tile_size(ratio)
    return ButtonPlan("grid", grid, tile_w, tile_h, 4)


def source_tile(value: str) -> int | None:
    """For U1–U4/V1–V4 the 1-based tile of the parent grid they act on, else None."""
    return UPSCALE_TILE.get(value) or VARY_TILE.get(value)
