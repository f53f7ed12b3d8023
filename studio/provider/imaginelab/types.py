"""ImagineLab's six generation types, as its API names them, with the names people read.

The order is the provider's (image | video | voice | music | infographic | text), which the
New menu, the forms and the gallery's prompt bar follow (docs/provider-contract.md §8).
"""

from __future__ import annotations

TYPES = ("image", "video", "voice", "music", "infographic", "text")

LABELS = {
    "image": "Image",
    "video": "Video",
    "voice": "Voice",
    "music": "Music",
    "infographic": "Infographic",
    "text": "Text",
}
