"""The Midjourney video form (POST /video/mj/generate): two frames and a motion prompt."""

from __future__ import annotations

from django import forms

from studio.generation import costs
from studio.generation.forms.sources import SourcesFormMixin, prompt_field
from studio.generation.services.video import VIDEO_DEFAULT_PROMPT
from studio.uploads.fields import ImageSourcesField


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
