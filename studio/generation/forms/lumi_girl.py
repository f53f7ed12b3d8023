"""The Lumi Girl form (POST /universal/zimage): an aspect ratio or an exact size."""

from __future__ import annotations

from django import forms

from studio.generation import costs
from studio.generation.forms import ASPECT_PRESETS, KeyChoiceMixin
from studio.generation.forms.sources import prompt_field
from studio.generation.services.lumi_girl import lumi_size

# https://platform.imaginepro.ai/ai-agent-skill: "Max 1024 per dimension, must be divisible by 8"
LUMI_MAX_SIDE = 1024
LUMI_MIN_SIDE = 256


def _ratio(value: str) -> tuple[int, int]:
    w, h = value.split(":")
    return int(w), int(h)


class LumiGirlForm(KeyChoiceMixin):
    """Lumi Girl (POST /universal/zimage): an aspect ratio (longest side 1024) or an exact
    width × height, each at most 1024 and a multiple of 8; steps are always 4."""

    cost = costs.LUMI_GIRL

    prompt = prompt_field("anime girl with silver hair in a moonlit forest")
    aspect_ratio = forms.ChoiceField(choices=ASPECT_PRESETS, initial="1:1", required=False)
    width = forms.IntegerField(
        required=False,
        min_value=LUMI_MIN_SIDE,
        max_value=LUMI_MAX_SIDE,
        help_text=f"px, {LUMI_MIN_SIDE}–{LUMI_MAX_SIDE}, multiple of 8",
    )
    height = forms.IntegerField(
        required=False,
        min_value=LUMI_MIN_SIDE,
        max_value=LUMI_MAX_SIDE,
        help_text=f"px, {LUMI_MIN_SIDE}–{LUMI_MAX_SIDE}, multiple of 8",
    )

    def clean(self) -> dict:
        data = super().clean()
        width, height = data.get("width"), data.get("height")
        if (width is None) != (height is None):
            missing = "height" if height is None else "width"
            self.add_error(
                missing, "Give both width and height, or neither to use the aspect ratio."
            )
        for name in ("width", "height"):
            value = data.get(name)
            if value is not None and value % 8:
                lower = value - value % 8
                options = [v for v in (lower, lower + 8) if LUMI_MIN_SIDE <= v <= LUMI_MAX_SIDE]
                self.add_error(
                    name, f"Must be a multiple of 8 (try {' or '.join(map(str, options))})."
                )
        if width is None and height is None:
            data["width"], data["height"] = lumi_size(_ratio(data.get("aspect_ratio") or "1:1"))
        return data
