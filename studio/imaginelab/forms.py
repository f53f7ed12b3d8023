"""One ImagineLab form per generation type, its settings built from the models list.

GET /generations/models describes each model's settings (studio.provider.imaginelab
LabModel.settings: name → {"type": "choice"|"int"|"text"|"bool", "choices", "default",
"min", "max", "label"}); the form shows the chosen model's settings as fields (choice →
select, int → number with min/max, text → input, bool → checkbox) and its cost.
"""

from __future__ import annotations

from typing import Any

from django import forms

from studio.accounts.models import ProviderKey
from studio.generation.forms import KeyChoiceMixin
from studio.imaginelab import costs, services
from studio.imaginelab.types import PROMPT_LABELS
from studio.provider.imaginelab.results import LabModel
from studio.provider.imaginelab.types import LABELS

PROMPT_MAX = 4000
TEXT_SETTING_MAX = 1000


def setting_field(name: str, spec: dict[str, Any]) -> forms.Field:
    """A form field for one model setting. Every setting is optional: left empty it takes
    the model's default (or is not sent when there is none)."""
    kind = str(spec.get("type") or "text")
    label = str(spec.get("label") or name.replace("_", " ").capitalize())
    default = spec.get("default")
    if kind == "choice":
        choices = [(str(choice), str(choice)) for choice in spec.get("choices") or []]
        return forms.ChoiceField(label=label, choices=choices, required=False, initial=default)
    if kind == "int":
        low, high = spec.get("min"), spec.get("max")
        help_text = f"{low}–{high}" if low is not None and high is not None else ""
        return forms.IntegerField(
            label=label,
            required=False,
            initial=default,
            min_value=low,
            max_value=high,
            help_text=help_text,
        )
    if kind == "bool":
        return forms.BooleanField(label=label, required=False, initial=bool(default))
    return forms.CharField(
        label=label, required=False, initial=default, max_length=TEXT_SETTING_MAX
    )


class LabForm(KeyChoiceMixin):
    """An ImagineLab generation of `generation_type` (a subclass per type, see form_for).

    `models_of(key)` returns the key's models (services.lab_models, cached); the model
    shown is the posted one, else `initial["model"]`, else the first of the type. When the
    list cannot be read, `models_error` says why and the form cannot be submitted.
    """

    generation_type = "image"
    provider = ProviderKey.PROVIDER_IMAGINELAB

    model = forms.ChoiceField(label="Model", choices=[])
    prompt = forms.CharField(max_length=PROMPT_MAX)

    def __init__(self, *args, models_of=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        label, placeholder = PROMPT_LABELS[self.generation_type]
        self.fields["prompt"].label = label
        self.fields["prompt"].widget = forms.Textarea(attrs={"rows": 3, "placeholder": placeholder})
        self.models_error = ""
        self.needs_login = False
        self.models: list[LabModel] = []
        self.key = self._chosen_key()
        if self.key is not None and not self.is_bound:
            self.fields["key"].initial = self.key.pk
        if self.key is not None and models_of is not None:
            try:
                self.models = services.models_of_type(models_of(self.key), self.generation_type)
            except services.LabUnavailable as exc:
                self.models_error, self.needs_login = str(exc), exc.needs_login
        if self.key is not None and not self.models and not self.models_error:
            self.models_error = (
                f"ImagineLab lists no {LABELS[self.generation_type].lower()} models for this key."
            )
        self.fields["model"].choices = [
            (model.name, f"{model.label or model.name} · {self._cost_of(model)} credits")
            for model in self.models
        ]
        self.chosen = self._chosen_model()
        if self.chosen is not None and not self.is_bound:
            self.fields["model"].initial = self.chosen.name
        self.setting_names: dict[str, str] = {}  # field name → the provider's setting name
        for name, spec in (self.chosen.settings if self.chosen else {}).items():
            field_name = services.setting_field_name(name)
            self.fields[field_name] = setting_field(name, spec or {})
            self.setting_names[field_name] = name

    def _chosen_key(self) -> ProviderKey | None:
        queryset = self.fields["key"].queryset
        wanted = self.data.get(self.add_prefix("key")) if self.is_bound else None
        wanted = wanted or self.initial.get("key") or self.fields["key"].initial
        if wanted:
            try:
                found = queryset.filter(pk=wanted).first()
            except (ValueError, forms.ValidationError):
                found = None
            if found is not None:
                return found
        return queryset.first()

    def _chosen_model(self) -> LabModel | None:
        wanted = self.data.get(self.add_prefix("model")) if self.is_bound else None
        wanted = wanted or self.initial.get("model")
        for model in self.models:
            if model.name == wanted:
                return model
        return self.models[0] if self.models else None

    def _cost_of(self, model: LabModel | None) -> int:
        return costs.cost_for(self.generation_type, model.credits if model else None)

    @property
    def cost(self) -> int:
        """Credits shown before submit and charged: the chosen model's, else the type's."""
        return self._cost_of(self.chosen)

    @property
    def setting_fields(self) -> list:
        return [self[name] for name in self.setting_names]

    def clean(self) -> dict:
        data = super().clean()
        if self.models_error:
            raise forms.ValidationError(self.models_error)
        data["cost"] = self.cost
        return data

    def settings(self) -> dict[str, Any]:
        """The chosen model's settings as the provider names them: what was typed, else its
        default; a setting with neither is not sent."""
        found: dict[str, Any] = {}
        specs = self.chosen.settings if self.chosen else {}
        for field_name, name in self.setting_names.items():
            value = self.cleaned_data.get(field_name)
            spec = specs.get(name) or {}
            if spec.get("type") == "bool":
                found[name] = bool(value)
            elif spec.get("type") == "choice" and value not in (None, ""):
                # Back to the provider's own value (a number stays a number).
                originals = {str(choice): choice for choice in spec.get("choices") or []}
                found[name] = originals.get(value, value)
            elif value not in (None, ""):
                found[name] = value
            elif spec.get("default") not in (None, ""):
                found[name] = spec["default"]
        return found


def form_for(generation_type: str) -> type[LabForm]:
    """The form class of one type (a subclass, so it has its own `generation_type`)."""
    name = f"{LABELS[generation_type]}LabForm"
    return type(name, (LabForm,), {"generation_type": generation_type})
