"""The Nano Banana form (POST /universal/imagine): a prompt and up to 8 reference images."""

from __future__ import annotations

from django import forms

from studio.generation import costs
from studio.generation.forms.sources import SourcesFormMixin, prompt_field
from studio.generation.services.nano_banana import NANO_BANANA_MAX_IMAGES, NANO_BANANA_MODELS
from studio.uploads.fields import ImageSourcesField


class NanoBananaForm(SourcesFormMixin):
    """Nano Banana (POST /universal/imagine): a prompt and up to 8 reference images."""

    cost = costs.NANO_BANANA

    prompt = prompt_field(
        "the woman from the first photo wearing the dress from the second, in a garden",
        help_text="Say what to make from the images. “Image creation:” is added for you.",
    )
    reference_images = ImageSourcesField(
        max_count=NANO_BANANA_MAX_IMAGES,
        label="Reference images",
        help_text=f"Up to {NANO_BANANA_MAX_IMAGES}: upload several at once, drop them here, "
        "paste links or pick from your gallery.",
    )
    model = forms.ChoiceField(choices=NANO_BANANA_MODELS, initial="nano-banana-2")
