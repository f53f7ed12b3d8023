"""Forms for the image tools: each takes images as uploads, links or gallery picks
(docs/provider-contract.md §3.1 image-to-image, §3.5–3.7, §3.12–3.13)."""

from __future__ import annotations

from django import forms

from studio.generation import costs
from studio.generation.forms.sources import SourcesFormMixin, prompt_field
from studio.generation.services.tools import BLEND_MAX, BLEND_MIN
from studio.uploads.fields import ImageSourcesField


def _one_image(label: str = "Image", help_text: str = "") -> ImageSourcesField:
    return ImageSourcesField(min_count=1, max_count=1, label=label, help_text=help_text)


class UpscaleForm(SourcesFormMixin):
    """Flux upscale (POST /flux/upscale): any image, ×2, ×3 or ×4."""

    cost = costs.FLUX_UPSCALE
    image = _one_image()
    scale = forms.TypedChoiceField(
        choices=[(2, "×2"), (3, "×3"), (4, "×4")], coerce=int, initial=2, widget=forms.RadioSelect
    )


class RemoveBgForm(SourcesFormMixin):
    """Remove background (POST /tools/remove-bg): a PNG with transparency comes back."""

    cost = costs.REMOVE_BG
    image = _one_image()


class DescribeForm(SourcesFormMixin):
    """Describe (POST /nova/describe): four prompts that could have made the image."""

    cost = None  # not published; we count costs.ESTIMATE_DESCRIBE
    estimate = costs.ESTIMATE_DESCRIBE
    image = _one_image(help_text="Keep it under 1 MB for the provider (uploads are shrunk).")


class FaceSwapForm(SourcesFormMixin):
    """Face swap (POST /nova/faceswap): the face of `source` into the picture `target`.
    Each should show one face; otherwise the left-most face is used (D:215989116)."""

    cost = None
    estimate = costs.ESTIMATE_FACESWAP
    source = _one_image("Face", help_text="The face to use (one face, the left-most is taken).")
    target = _one_image("Picture", help_text="The picture whose face is replaced.")


class BlendForm(SourcesFormMixin):
    """Blend (POST /nova/blend): 2–5 images mixed into a Midjourney grid."""

    cost = None
    estimate = costs.ESTIMATE_BLEND
    images = ImageSourcesField(
        min_count=BLEND_MIN,
        max_count=BLEND_MAX,
        label="Images",
        help_text=f"{BLEND_MIN} to {BLEND_MAX} images.",
    )


class ImageToImageForm(SourcesFormMixin):
    """Image to image (POST /nova/imagine with the image URL first in the prompt,
    D:215988676): Midjourney takes the picture as a starting point."""

    cost = costs.MIDJOURNEY_FAST
    image = _one_image(help_text="Under 1 MB is best for the provider (uploads are shrunk).")
    prompt = prompt_field("the same scene in winter, watercolor")
    speed = forms.ChoiceField(
        choices=[
            ("fast", f"Fast · {costs.MIDJOURNEY_FAST} credits"),
            ("relax", f"Relax · {costs.MIDJOURNEY_RELAX} credits"),
        ],
        initial="fast",
        widget=forms.RadioSelect,
    )
