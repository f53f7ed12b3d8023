"""Forms for Nano Banana, Lumi Girl and Midjourney video (imaginepro.md §3.15–3.17).

Image inputs are ImageSourcesFields (upload, link or gallery pick); the view turns them
into URLs with studio.uploads.services.materialize once the form is valid.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from studio.generation import costs
from studio.generation.forms import ASPECT_PRESETS, KeyChoiceMixin
from studio.generation.services_models import (
    NANO_BANANA_MAX_IMAGES,
    NANO_BANANA_MODELS,
    VIDEO_DEFAULT_PROMPT,
    lumi_size,
)
from studio.uploads.fields import ImageSourcesField, bind_user
from studio.uploads.public import (
    link_address_problem,
    private_links_allowed,
    public_address_problem,
)

LUMI_MAX_SIDE = 1024  # S000: "Max 1024 per dimension, must be divisible by 8"
LUMI_MIN_SIDE = 256


class SourcesFormMixin(KeyChoiceMixin):
    """A key choice plus image groups: binds the user to every ImageSourcesField and
    refuses uploads and gallery picks up front when the chosen provider could not fetch
    them (DESIGN.md "Uploads and public URLs"). Typed links go to the provider as typed,
    once they are known not to point at a private or local address (link_address_problem;
    a sandbox key may, see private_links_allowed)."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        bind_user(self, user)

    @property
    def public_problem(self) -> str | None:
        """For the page: the problem with the preselected key, shown before any submit."""
        try:
            key = self.fields["key"].clean(self["key"].value())
        except ValidationError:  # no key yet, or a hand-edited value: nothing to say
            return None
        return public_address_problem(key)

    def clean(self) -> dict:
        data = super().clean()
        key = data.get("key")
        allow_private = private_links_allowed(key)
        for name, field in self.fields.items():
            if isinstance(field, ImageSourcesField):
                for source in data.get(name) or []:
                    refused = source.kind == "url" and link_address_problem(
                        source.url, allow_private=allow_private
                    )
                    if refused:
                        self.add_error(name, refused)
        problem = public_address_problem(key) if key else None
        if problem:
            for name, field in self.fields.items():
                if isinstance(field, ImageSourcesField) and any(
                    source.kind != "url" for source in data.get(name) or []
                ):
                    self.add_error(name, problem)
        return data


def prompt_field(placeholder: str, *, required: bool = True, help_text: str = "") -> forms.Field:
    return forms.CharField(
        required=required,
        max_length=4000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": placeholder}),
    )


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


class VideoForm(SourcesFormMixin):
    """Midjourney video (POST /video/mj/generate): a start frame and an end frame, a motion
    prompt (default "smooth motion transition") and how long the provider may take."""

    cost = costs.MJ_VIDEO

    prompt = prompt_field(
        VIDEO_DEFAULT_PROMPT,
        required=False,
        help_text=f"How things move. Empty means “{VIDEO_DEFAULT_PROMPT}”.",
    )
    start_frame = ImageSourcesField(min_count=1, max_count=1, label="Start frame")
    end_frame = ImageSourcesField(min_count=1, max_count=1, label="End frame")
    timeout = forms.TypedChoiceField(
        choices=[(300, "5 minutes"), (600, "10 minutes"), (900, "15 minutes (the most)")],
        coerce=int,
        initial=900,
        label="Give up after",
        help_text="A video can take up to 15 minutes at the provider.",
    )
