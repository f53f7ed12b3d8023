"""How an ImagineLab generation is named for people: its type (stored as the action) and
its model, as the provider lists them (https://api.imagineview.art, `generation_type`,
`model_name`). Plain strings only, so models, the gallery and the usage page share it."""

from __future__ import annotations

# Stored actions of ImagineLab generations → their type as people read it.
LAB_TYPES = {
    "imagine": "Image",
    "video": "Video",
    "voice": "Voice",
    "music": "Music",
    "infographic": "Infographic",
    "text": "Text",
}


def lab_type_label(action: str | None) -> str:
    """ "Image", "Video", "Voice", "Music", "Infographic", "Text"; the action as it is
    for anything else."""
    return LAB_TYPES.get(str(action or ""), str(action or ""))


def lab_title(action: str | None, model_name: str | None) -> str:
    """A card's title: "Video · kinetic-2", or the type alone without a model name."""
    kind = lab_type_label(action)
    return f"{kind} · {model_name}" if model_name else kind
