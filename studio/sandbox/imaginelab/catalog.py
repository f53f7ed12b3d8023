"""The sandbox's ImagineLab models (GET /generations/models) and the checks of a create body.

https://api.imagineview.art lists six generation types and indicative costs (text 2, voice 3, image 5, music 8,
infographic 10, video 15; "costs are indicative and may vary by model"), one model name
(`seedream-5.0-lite`) and one setting (`aspect_ratio`). Every other model name and setting
here is the sandbox's own, shaped so a form can be built from the list: each setting is
`{"type": "choice"|"int"|"text"|"bool", "choices", "default", "min", "max", "label"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GENERATION_TYPES = ("image", "video", "voice", "music", "infographic", "text")

_IMAGE_RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4"]
_VIDEO_RATIOS = ["16:9", "9:16", "1:1"]


def _aspect(choices: list[str], default: str) -> dict:
    return {"type": "choice", "choices": choices, "default": default, "label": "Aspect ratio"}


# `output` is the sandbox's own note of the file it renders; not sent to clients.
MODELS: list[dict[str, Any]] = [
    {
        "name": "seedream-5.0-lite",
        "generation_type": "image",
        "label": "Seedream 5.0 Lite",
        "credit_cost": 5,
        "settings": {"aspect_ratio": _aspect(_IMAGE_RATIOS, "1:1")},
        "output": "png",
    },
    {
        # A second image model at another price: costs vary by model (https://api.imagineview.art).
        "name": "lumen-xl",
        "generation_type": "image",
        "label": "Lumen XL",
        "credit_cost": 7,
        "settings": {"aspect_ratio": _aspect(_IMAGE_RATIOS, "1:1")},
        "output": "png",
    },
    {
        "name": "kinetic-2",
        "generation_type": "video",
        "label": "Kinetic 2 (MP4)",
        "credit_cost": 15,
        "settings": {
            "aspect_ratio": _aspect(_VIDEO_RATIOS, "16:9"),
            "duration": {
                "type": "choice",
                "choices": [5, 10],
                "default": 5,
                "label": "Duration (seconds)",
            },
        },
        "output": "mp4",
    },
    {
        "name": "loop-motion-1",
        "generation_type": "video",
        "label": "Loop Motion (animated WebP)",
        "credit_cost": 15,
        "settings": {
            "aspect_ratio": _aspect(_VIDEO_RATIOS, "1:1"),
            "duration": {
                "type": "choice",
                "choices": [5, 10],
                "default": 5,
                "label": "Duration (seconds)",
            },
        },
        "output": "webp",
    },
    {
        "name": "vocalis-1",
        "generation_type": "voice",
        "label": "Vocalis",
        "credit_cost": 3,
        "settings": {
            "voice": {
                "type": "choice",
                "choices": ["aria", "basil", "coral", "dune"],
                "default": "aria",
                "label": "Voice",
            },
            "speed": {
                "type": "choice",
                "choices": [0.75, 1.0, 1.25, 1.5],
                "default": 1.0,
                "label": "Speed",
            },
        },
        "output": "wav",
    },
    {
        "name": "harmonia-1",
        "generation_type": "music",
        "label": "Harmonia",
        "credit_cost": 8,
        "settings": {
            "duration": {
                "type": "int",
                "min": 5,
                "max": 60,
                "default": 15,
                "label": "Duration (seconds)",
            },
            "genre": {
                "type": "choice",
                "choices": ["ambient", "electronic", "jazz", "rock", "classical"],
                "default": "ambient",
                "label": "Genre",
            },
        },
        "output": "wav",
    },
    {
        "name": "chartsmith-1",
        "generation_type": "infographic",
        "label": "Chartsmith",
        "credit_cost": 10,
        "settings": {
            "aspect_ratio": _aspect(["3:4", "1:1", "16:9", "9:16"], "3:4"),
            "theme": {
                "type": "choice",
                "choices": ["light", "dark", "vivid"],
                "default": "light",
                "label": "Theme",
            },
        },
        "output": "png",
    },
    {
        "name": "scribe-1",
        "generation_type": "text",
        "label": "Scribe",
        "credit_cost": 2,
        "settings": {
            "max_words": {
                "type": "int",
                "min": 20,
                "max": 400,
                "default": 120,
                "label": "Maximum words",
            },
        },
        "output": "text",
    },
]
_BY_NAME = {model["name"]: model for model in MODELS}

MAX_PROMPT = 4000  # characters (the sandbox's limit; https://api.imagineview.art gives none)
MAX_TEXT_SETTING = 200


class SettingsError(ValueError):
    """A create body's model or settings are not acceptable; `str()` is the 400 detail."""


def public_models() -> list[dict]:
    """The models list as GET /generations/models answers it (no internal notes)."""
    return [{k: v for k, v in model.items() if k != "output"} for model in MODELS]


def find_model(generation_type: str, model_name: str) -> dict:
    """The model `model_name` of `generation_type`; SettingsError otherwise."""
    if generation_type not in GENERATION_TYPES:
        raise SettingsError(
            f"Unknown generation_type {generation_type!r}. "
            f"Use one of: {', '.join(GENERATION_TYPES)}."
        )
    model = _BY_NAME.get(model_name)
    if model is None or model["generation_type"] != generation_type:
        names = [m["name"] for m in MODELS if m["generation_type"] == generation_type]
        raise SettingsError(
            f"Unknown model {model_name!r} for generation type {generation_type!r}. "
            f"Use one of: {', '.join(names)}."
        )
    return model


@dataclass(frozen=True)
class Resolved:
    model: dict
    settings: dict  # every setting of the model, defaults filled in


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _choice(name: str, spec: dict, value: Any) -> Any:
    for choice in spec["choices"]:
        if isinstance(choice, (int, float)):
            number = _number(value)
            if number is not None and number == choice:
                return choice
        elif str(value).strip().lower() == str(choice).lower():
            return choice
    allowed = ", ".join(str(choice) for choice in spec["choices"])
    raise SettingsError(f"Invalid value for {name}: {value!r}. Choose one of: {allowed}.")


def _setting(name: str, spec: dict, value: Any) -> Any:
    kind = spec["type"]
    if kind == "choice":
        return _choice(name, spec, value)
    if kind == "int":
        number = _number(value)
        if number is None or number != int(number):
            raise SettingsError(f"{name} must be a whole number, not {value!r}.")
        if not spec["min"] <= number <= spec["max"]:
            raise SettingsError(f"{name} must be from {spec['min']} to {spec['max']}.")
        return int(number)
    if kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{name} must be true or false.")
        return value
    text = str(value)
    if len(text) > MAX_TEXT_SETTING:
        raise SettingsError(f"{name} must be at most {MAX_TEXT_SETTING} characters.")
    return text


def resolve(generation_type: str, model_name: str, settings: dict) -> Resolved:
    """Check the model and `settings` against the catalog: unknown names and bad values raise
    SettingsError (the 400 detail says which and why); missing ones take their default."""
    model = find_model(generation_type, model_name)
    specs = model["settings"]
    unknown = sorted(set(settings) - set(specs))
    if unknown:
        allowed = ", ".join(specs) or "none"
        raise SettingsError(
            f"Unknown setting {unknown[0]!r} for model {model_name!r}. Settings: {allowed}."
        )
    resolved = {}
    for name, spec in specs.items():
        value = settings.get(name)
        resolved[name] = spec["default"] if value is None else _setting(name, spec, value)
    return Resolved(model=model, settings=resolved)


def output_format(model_name: str) -> str:
    """The file the sandbox renders for a model: png, mp4, webp, wav or text."""
    return _BY_NAME[model_name]["output"]
