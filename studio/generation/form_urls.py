"""Which form makes a kind of generation: the target of "Retry with the same settings" and
"Edit prompt". Plain values (the `Action` and `Model` choices' values), so the models module
can use it without importing anything back."""

from __future__ import annotations

from django.urls import reverse

# Action value → the tool form's slug (generation:tool).
TOOL_FORMS = {
    "upscale": "upscale",
    "remove_bg": "remove-background",
    "describe": "describe",
    "faceswap": "face-swap",
    "blend": "blend",
}
# Model value → its own form, for an imagine or a video.
MODEL_FORMS = {
    "midjourney": "generation:midjourney_new",
    "flux": "generation:flux_new",
    "nano_banana": "generation:nano_banana_new",
    "lumi_girl": "generation:lumi_girl_new",
    "mj_video": "generation:video_new",
}


def form_url(action: str, model: str, params: dict) -> str:
    """The form's path for a generation of `action` and `model` made with `params`; "" when
    there is none (button presses and extensions are retried from their parent)."""
    if action in TOOL_FORMS:
        return reverse("generation:tool", args=[TOOL_FORMS[action]])
    if params.get("tool") == "image-to-image":
        return reverse("generation:tool", args=["image-to-image"])
    if model == "imaginelab":  # one form per generation type
        return reverse("imaginelab:new", args=["image" if action == "imagine" else action])
    if action in ("imagine", "video") and model in MODEL_FORMS:
        return reverse(MODEL_FORMS[model])
    return ""
