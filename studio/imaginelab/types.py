"""ImagineLab's six generation types (studio.provider.imaginelab.types) and how the studio
stores them.

A Generation of `Model.IMAGINELAB` keeps the type as its `action` (image → "imagine", the
others by their own name) and the model name in `request_body["model_name"]` and `params`.
"""

from __future__ import annotations

from studio.generation.models import Action

ACTION_OF_TYPE = {
    "image": Action.IMAGINE,
    "video": Action.VIDEO,
    "voice": Action.VOICE,
    "music": Action.MUSIC,
    "infographic": Action.INFOGRAPHIC,
    "text": Action.TEXT,
}
TYPE_OF_ACTION = {str(action): kind for kind, action in ACTION_OF_TYPE.items()}

# What the prompt is for, per type (the form's label and placeholder).
PROMPT_LABELS = {
    "image": ("Prompt", "A neon city skyline at dusk, ultra-detailed"),
    "video": ("Prompt", "A paper boat drifting down a rainy street, slow camera pan"),
    "voice": ("Text to speak", "Welcome to the studio. Your images are ready."),
    "music": ("Describe the music", "A calm lo-fi beat with soft piano and rain"),
    "infographic": ("What the infographic shows", "How a bill becomes a law, in five steps"),
    "text": ("Prompt", "Three taglines for a bakery that opens at dawn"),
}


def type_of(action: str) -> str:
    """The ImagineLab generation type of a stored action ("imagine" → "image")."""
    return TYPE_OF_ACTION.get(str(action), str(action))
