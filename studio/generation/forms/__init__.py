"""One form per model. They validate locally, compose what will be sent and price it.

This package's core: the key choice every form starts from, and the two imagine forms
(Midjourney, Flux); `sources` is the base of the forms that take images, then one module per
other model (`nano_banana`, `lumi_girl`, `video`) and one for the image tools (`tools`).
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from studio.accounts.models import ProviderKey
from studio.generation import costs
from studio.prompts import midjourney as mjprompt
from studio.teams import access
from studio.teams.access import PERSONAL, Workspace
from studio.uploads.public import link_address_problem, private_links_allowed

# A web link in a Midjourney prompt (image prompts, --sref/--cref/--oref values).
_LINK_RE = re.compile(r"https?://[^\s,]+", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"::-?\d+(?:\.\d+)?$")  # "--sref <url>::2": a weight, not the link

ASPECT_PRESETS = [
    ("1:1", "1:1 square"),
    ("4:3", "4:3"),
    ("3:4", "3:4"),
    ("3:2", "3:2"),
    ("2:3", "2:3 portrait"),
    ("16:9", "16:9 wide"),
    ("9:16", "9:16 tall"),
    ("21:9", "21:9 cinema"),
]


def key_label(key: ProviderKey) -> str:
    """A key as the form lists it: a team's key by its name only (members never see any
    part of it), one's own as "name (…last4)"."""
    if key.team_id is not None:
        return f"{key.name} (sandbox)" if key.is_sandbox else key.name
    return str(key)


class KeyChoiceMixin(forms.Form):
    """The keys of `provider` (ImaginePro unless a subclass says) in the current workspace (studio.teams.access.workspace_keys:
    one's own personal keys, or the team's for a creator); the newest is preselected."""

    key = forms.ModelChoiceField(queryset=ProviderKey.objects.none(), empty_label=None, label="Key")
    provider = ProviderKey.PROVIDER_IMAGINEPRO  # whose keys the form lists

    def __init__(self, *args, user, workspace: Workspace = PERSONAL, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keys = access.workspace_keys(workspace, user, self.provider)
        self.fields["key"].queryset = keys
        self.fields["key"].label_from_instance = key_label
        if not self.is_bound and keys:
            self.fields["key"].initial = keys[0].pk


class MidjourneyForm(KeyChoiceMixin):
    """Midjourney imagine. Fields become flags of the prompt (the API takes only `prompt`).

    A field left at its default never overrides a flag typed into the prompt; a field set
    by hand does, and each flag is sent once (mjprompt.compose_prompt).
    """

    credits_fast = costs.MIDJOURNEY_FAST
    credits_relax = costs.MIDJOURNEY_RELAX

    prompt = forms.CharField(
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "a lighthouse at dusk, oil painting"}
        ),
        help_text="Flags such as --ar 16:9 may be typed here too.",
    )
    aspect_ratio = forms.ChoiceField(
        choices=[
            ("", "Default (1:1, or --ar in the prompt)"),
            *ASPECT_PRESETS,
            ("custom", "Custom W:H"),
        ],
        required=False,
    )
    custom_ratio = forms.CharField(
        required=False, max_length=11, label="Custom ratio", help_text="W:H, e.g. 5:4"
    )
    speed = forms.ChoiceField(
        choices=[
            ("fast", f"Fast · {costs.MIDJOURNEY_FAST} credits"),
            ("relax", f"Relax · {costs.MIDJOURNEY_RELAX} credits"),
            ("turbo", f"Turbo · about {costs.MIDJOURNEY_FAST} credits"),
        ],
        initial="fast",
        widget=forms.RadioSelect,
    )
    boost = forms.BooleanField(
        required=False,
        label="Boost",
        help_text="The provider's boost mode: faster upload to its CDN and quicker progress "
        "updates. Its price is not published; counted like the same job without boost.",
    )
    stylize = forms.IntegerField(
        required=False, min_value=0, max_value=1000, help_text="--s, 0–1000"
    )
    chaos = forms.IntegerField(required=False, min_value=0, max_value=100, help_text="0–100")
    weird = forms.IntegerField(required=False, min_value=0, max_value=3000, help_text="0–3000")
    seed = forms.IntegerField(required=False, min_value=0, max_value=4294967295)
    quality = forms.ChoiceField(
        choices=[("", "Default"), (".25", ".25"), (".5", ".5"), ("1", "1"), ("2", "2"), ("4", "4")],
        required=False,
    )
    style_raw = forms.BooleanField(required=False, label="Style raw")
    version = forms.ChoiceField(
        choices=[("", "Default"), *[(v, v) for v in mjprompt.FLAGS_BY_NAME["v"].choices[::-1]]],
        required=False,
    )
    avoid = forms.CharField(
        required=False, max_length=300, label="Avoid", help_text="--no: words to keep out"
    )
    flags = forms.CharField(
        required=False, max_length=500, help_text="More flags, e.g. --tile --stop 80"
    )

    def clean_custom_ratio(self) -> str:
        value = self.cleaned_data["custom_ratio"].strip()
        if value:
            return mjprompt.validate_flag("ar", value) or ""
        return value

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            parsed = mjprompt.parse_prompt(data["prompt"])
        except ValidationError as exc:
            self.add_error("prompt", exc)
            return data
        try:
            extra = mjprompt.parse_flags(data.get("flags", ""))
        except ValidationError as exc:
            self.add_error("flags", exc)
            return data
        ratio = data.get("aspect_ratio")
        if ratio == "custom":
            if not data.get("custom_ratio"):
                self.add_error("custom_ratio", "Enter the ratio as W:H, e.g. 5:4.")
                return data
            ratio = data["custom_ratio"]
        speed = data["speed"]
        fields = {
            "ar": ratio or None,
            "s": data.get("stylize"),
            "chaos": data.get("chaos"),
            "weird": data.get("weird"),
            "seed": data.get("seed"),
            "q": data.get("quality") or None,
            "style": "raw" if data.get("style_raw") else None,
            "v": data.get("version") or None,
            "no": data.get("avoid") or None,
            # Fast is Midjourney's default: it adds no flag and never overrides a typed one.
            speed: True if speed != "fast" else None,
        }
        # Precedence: a field set by hand, then the flags field, then flags typed in the prompt.
        overrides = {name: True if value is None else value for name, value in extra.items()}
        overrides.update({name: value for name, value in fields.items() if value is not None})
        try:
            data["composed_prompt"] = mjprompt.compose_prompt(parsed, overrides)
        except ValidationError as exc:
            self.add_error(None, exc)
            return data
        data["cost"] = costs.midjourney_imagine(data["composed_prompt"])
        # Image prompts and --sref/--cref/--oref links: the provider fetches them.
        allow_private = private_links_allowed(data.get("key"))
        for link in dict.fromkeys(_LINK_RE.findall(data["composed_prompt"])):
            refused = link_address_problem(_WEIGHT_RE.sub("", link), allow_private=allow_private)
            if refused:
                self.add_error("prompt", refused)
        return data


class FluxForm(KeyChoiceMixin):
    """FLUX 1.1 Pro (POST /flux/imagine, D:237017608): n 1–4 images, an aspect ratio or an
    explicit width × height (multiples of 8), an output format. 6 credits per image."""

    prompt = forms.CharField(
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "a cozy cabin in the woods, watercolor"}
        )
    )
    n = forms.IntegerField(
        min_value=1,
        max_value=4,
        initial=1,
        label="Images",
        help_text=f"1–4; {costs.FLUX_PER_IMAGE} credits each",
    )
    aspect_ratio = forms.ChoiceField(choices=ASPECT_PRESETS, initial="1:1", required=False)
    width = forms.IntegerField(
        required=False, min_value=256, max_value=2048, help_text="px, multiple of 8"
    )
    height = forms.IntegerField(
        required=False, min_value=256, max_value=2048, help_text="px, multiple of 8"
    )
    credits_per_image = costs.FLUX_PER_IMAGE
    output_format = forms.ChoiceField(
        choices=[("png", "PNG"), ("webp", "WebP"), ("jpg", "JPEG")], initial="png"
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
                self.add_error(
                    name,
                    f"Must be a multiple of 8 (try {value - value % 8} or {value - value % 8 + 8}).",
                )
        if data.get("n"):
            data["cost"] = costs.flux_imagine(data["n"])
        return data


def params_of(form: forms.Form) -> dict:
    """The form's input as plain JSON, to fill the form again ("retry with the same settings")."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("key", "composed_prompt", "cost") and value not in (None, "")
    }
