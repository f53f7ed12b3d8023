"""What every action costs, from costs.py (the provider's table: https://platform.imaginepro.ai/ai-agent-skill, "Credit Cost
Summary"; docs/provider-contract.md §5). Public: prices are no secret, and help before signing up."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from studio.generation import costs


@dataclass(frozen=True)
class Price:
    """One line of the price list. `credits` is the published price, None when the provider
    does not publish one; then `counted` is what the studio records for it (or None)."""

    action: str
    credits: int | None
    counted: int | None = None
    note: str = ""

    @property
    def text(self) -> str:
        if self.credits is not None:
            return f"{self.credits} credit{'' if self.credits == 1 else 's'}"
        if self.counted is None:
            return "not published"
        return f"not published; we count {self.counted}"


# Midjourney buttons (docs/provider-contract.md §4) besides U1–U4 and V1–V4: (label, value, note).
OTHER_BUTTONS = (
    ("🔄 Reroll", "🔄", ""),
    ("Vary (Strong)", "Vary (Strong)", ""),
    ("Vary (Subtle)", "Vary (Subtle)", ""),
    ("Vary (Region)", "Vary (Region)", "inpainting with a mask"),
    ("Zoom Out 2x", "Zoom Out 2x", ""),
    ("Zoom Out 1.5x", "Zoom Out 1.5x", ""),
    ("⬅️ ➡️ ⬆️ ⬇️ Pan", "⬅️", ""),
    ("Make Square", "Make Square", ""),
    ("Upscale (Subtle)", "Upscale (Subtle)", ""),
    ("Upscale (Creative)", "Upscale (Creative)", ""),
    ("Upscale (2x), Upscale (4x)", "Upscale (2x)", "older Midjourney versions"),
    ("Redo Upscale (2x), Redo Upscale (4x)", "Redo Upscale (2x)", "older Midjourney versions"),
    ("Cancel Job", "Cancel Job", "while a job runs"),
)


def price_list() -> list[tuple[str, list[Price]]]:
    """Every action the studio can take, grouped, with its price or "not published"."""
    midjourney = [
        Price("Imagine, fast", costs.MIDJOURNEY_FAST),
        Price("Imagine, relax (--relax)", costs.MIDJOURNEY_RELAX),
        Price(
            "Imagine, turbo (--turbo)",
            None,
            costs.midjourney_imagine("x --turbo"),
            "counted as fast",
        ),
        Price(
            "Boost mode (imagine or button)",
            None,
            None,
            "the provider's faster CDN upload and progress handling; "
            "we count the same as without boost",
        ),
        Price("U1–U4: upscale one tile", costs.button_known("U1")),
        Price("V1–V4: variations of one tile", costs.button_known("V1")),
    ]
    for label, value, note in OTHER_BUTTONS:
        midjourney.append(Price(label, costs.button_known(value), costs.button(value), note))
    midjourney += [
        Price("Describe (image to prompts)", None, costs.ESTIMATE_DESCRIBE),
        Price("Blend 2–5 images", None, costs.ESTIMATE_BLEND),
        Price("Face swap", None, costs.ESTIMATE_FACESWAP),
        Price("Video from two frames", costs.MJ_VIDEO),
        Price("Video extend", None, costs.ESTIMATE_VIDEO_EXTEND, "an estimate"),
    ]
    other_models = [
        Price("Flux, per image", costs.FLUX_PER_IMAGE, note="1–4 images per job"),
        Price("Flux upscale ×2–×4", costs.FLUX_UPSCALE),
        Price("Remove background", costs.REMOVE_BG),
        Price("Nano Banana", costs.NANO_BANANA),
        Price("Lumi Girl", costs.LUMI_GIRL),
    ]
    free = [
        Price("Prompt enhance (✨ Enhance)", costs.PROMPT_EXTEND),
        Price("Prompt check before a Midjourney submit", 0, note="not in the table; a free check"),
        Price("Progress polling", 0),
        Price(
            "Balance and 24-hour history reads",
            None,
            0,
            "not in the table; reads, like polling",
        ),
    ]
    return [("Midjourney", midjourney), ("Other models and tools", other_models), ("Free", free)]


@require_GET
def prices(request):
    """The price of every action, with the source of each number."""
    return TemplateResponse(request, "generation/prices.html", {"groups": price_list()})
