"""Credit costs from the provider's table (https://platform.imaginepro.ai/ai-agent-skill, "Credit Cost Summary"; docs/provider-contract.md §5).

Where the table is silent the published cost is None: the UI says so rather than guessing,
and the generation records an estimate (`ESTIMATE_*`) so budgets can still add up.
"""

from __future__ import annotations

import re

MIDJOURNEY_FAST = 10
MIDJOURNEY_RELAX = 5
MIDJOURNEY_BUTTON_UV = 5
FLUX_PER_IMAGE = 6
FLUX_UPSCALE = 2
REMOVE_BG = 5
NANO_BANANA = 6
LUMI_GIRL = 6
MJ_VIDEO = 10
PROMPT_EXTEND = 0

# Not in the provider's table (§5 "Unknown"): the estimate we record for a submit.
ESTIMATE_DESCRIBE = 5
ESTIMATE_FACESWAP = 5
ESTIMATE_BLEND = MIDJOURNEY_FAST
ESTIMATE_VIDEO_EXTEND = MJ_VIDEO

# How a page explains an estimate to people (beside "about N credits", as its hover text).
ESTIMATE_NOTE = (
    "an estimate: the provider does not publish this price, so the studio counts it as this"
)

_RELAX = re.compile(r"(^|\s)--relax(\s|$)")


def midjourney_imagine(prompt: str) -> int:
    """10 credits, or 5 with `--relax`. Turbo's price is not published; charged as fast here."""
    return MIDJOURNEY_RELAX if _RELAX.search(prompt) else MIDJOURNEY_FAST


def midjourney_speed(speed: str) -> int:
    return MIDJOURNEY_RELAX if speed == "relax" else MIDJOURNEY_FAST


def flux_imagine(n: int) -> int:
    return FLUX_PER_IMAGE * n


def button_known(button: str) -> int | None:
    """5 for U1–U4 and V1–V4 (https://platform.imaginepro.ai/ai-agent-skill "Midjourney Upscale/Variant"); None for the others."""
    if re.fullmatch(r"[UV][1-4]", button):
        return MIDJOURNEY_BUTTON_UV
    return None


def button(button: str) -> int:
    """The cost we record for a press: the published one, else the U/V price as an estimate."""
    known = button_known(button)
    return MIDJOURNEY_BUTTON_UV if known is None else known
