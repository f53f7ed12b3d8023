"""Pressing a finished generation's buttons (POST /nova/button, docs/provider-contract.md §3.3, §4).

Each press is a new child generation whose parent is the one pressed (docs/architecture.md "The path of a generation", step 7).
Values are sent exactly as the provider listed them, emoji included. Three buttons take
more than the value:
- V1–V4 and 🔄 take an optional remix `prompt` (§3.3: applied only for accounts with their
  own linked Midjourney account in remix mode);
- Vary (Region) needs a `mask` (base64 image, white = region to redraw, black = keep;
  D:215991738) and takes an optional region `prompt`;
- Cancel Job is not a press: it stops a running job (see cancel.py) and makes no child.
"""

from __future__ import annotations

import base64
import binascii
import io

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from studio.generation import buttons, costs
from studio.generation.errors import GenerationError
from studio.generation.models import Action, Generation, Status
from studio.generation.services import generation_create
from studio.prompts import midjourney as mjprompt
from studio.provider.imaginepro.paths import button_body
from studio.teams import access

REMIX_BUTTONS = frozenset({"V1", "V2", "V3", "V4", "\U0001f504"})  # 🔄 = reroll
VARY_REGION = "Vary (Region)"
CANCEL_JOB = "Cancel Job"
PROMPT_MAX = 4000  # characters; Midjourney's own limit is not published

MASK_MAX_BYTES = 8 * 1024 * 1024  # decoded PNG
MASK_MAX_PIXELS = 4096 * 4096  # checked before decoding, so a bomb is never expanded
ASPECT_TOLERANCE = 0.01  # relative; a mask of the image's shape is resized to its size


def takes_remix(button: str) -> bool:
    """True for the buttons whose press may carry a remix prompt (V1–V4, 🔄)."""
    return button in REMIX_BUTTONS


def press_boost(parent: Generation, boost: bool | None) -> bool:
    """Whether a press goes to the boost route: `boost` when given, else the parent's own
    choice (`params["boost"]`, set by the Midjourney form or by an earlier press)."""
    return bool(parent.params.get("boost")) if boost is None else bool(boost)


def button_press(
    *,
    user: AbstractBaseUser,
    parent: Generation,
    button: str,
    prompt: str = "",
    mask: str = "",
    boost: bool | None = None,
) -> Generation:
    """Press one of a finished generation's buttons: a new QUEUED child generation whose
    body is `{"messageId": <parent's>, "button": <value verbatim>, "prompt"?, "mask"?}`,
    sent to POST /nova/button, or /nova/boost/button when boosted (§3.4, same body).

    Args:
        prompt: for V1–V4/🔄 the remix prompt, dropped when it equals the parent's prompt
            (no edit, nothing sent); for Vary (Region) the optional region prompt.
        mask: for Vary (Region) only: base64 PNG (a `data:` URL is accepted), checked and
            normalised by `mask_clean` against the parent's image.
        boost: None inherits the parent's choice (see `press_boost`).

    Raises GenerationError (its text is for the person) when the parent is not theirs or
    not finished, the button is not in its `buttons` list, the key that made it was
    deleted (a messageId belongs to one account), or a prompt or mask is refused.
    """
    if not access.allowed(user, parent, access.CREATE):
        raise GenerationError("That generation is not yours to press.")
    if button == CANCEL_JOB:
        raise GenerationError("Cancel Job stops a running job: use Cancel on its card.")
    if parent.status != Status.DONE:
        raise GenerationError("Buttons work once the generation is done.")
    if button not in parent.buttons:
        raise GenerationError(f"“{buttons.name(button)}” is not one of this image's buttons.")
    if parent.provider_key is None:
        raise GenerationError(
            "The API key that made this image was deleted, so its buttons cannot be used."
        )
    prompt = _press_prompt(parent, button, prompt)
    if button == VARY_REGION:
        mask = mask_clean(mask, image_size=_image_size(parent))
    elif mask:
        raise GenerationError("Only Vary (Region) takes a mask.")
    boosted = press_boost(parent, boost)
    return generation_create(
        user=user,
        provider_key=parent.provider_key,
        model=parent.model,
        endpoint="boost_button" if boosted else "button",
        action=Action.BUTTON,
        parent=parent,
        button=button,
        prompt=prompt or parent.prompt,
        request_body=button_body(
            message_id=parent.message_id, button=button, prompt=prompt, mask=mask
        ),
        # Kept so that presses on the child inherit the choice.
        params={"boost": True} if boosted else {},
        cost=costs.button(button),
    )


def _press_prompt(parent: Generation, button: str, prompt: str) -> str:
    """The prompt to send with a press, or "" to send none."""
    prompt = " ".join((prompt or "").split())
    if not prompt:
        return ""
    if takes_remix(button):
        if prompt == " ".join(parent.prompt.split()):
            return ""  # the prefilled prompt, unedited: not a remix
    elif button != VARY_REGION:
        raise GenerationError(f"“{buttons.name(button)}” does not take a prompt.")
    if len(prompt) > PROMPT_MAX:
        raise GenerationError(f"The prompt is too long ({len(prompt)} of {PROMPT_MAX} characters).")
    try:
        mjprompt.parse_prompt(prompt)
    except ValidationError as exc:
        raise GenerationError("The prompt has problems: " + " ".join(exc.messages)) from exc
    return prompt


def _image_size(parent: Generation) -> tuple[int, int]:
    images = parent.images
    if not images or not images[0].width or not images[0].height:
        raise GenerationError("This image is not stored here, so no region can be drawn on it.")
    return images[0].width, images[0].height


def mask_clean(value: str, *, image_size: tuple[int, int]) -> str:
    """Check a Vary (Region) mask and return it as the provider wants it: base64 of a
    greyscale PNG of exactly `image_size` (width, height in px), white (255) where the
    region is redrawn and black (0) elsewhere, no alpha (D:215991738).

    Accepts base64 or a `data:image/…;base64,` URL of any image Pillow reads. Transparent
    pixels count as black, grey is thresholded at 50 %, a mask of the image's aspect (±1 %)
    but another size is resized. Raises GenerationError when it is empty, not an image,
    too large, of another shape, all black, or all white.
    """
    width, height = image_size
    value = (value or "").strip()
    if value.startswith("data:"):
        value = value.partition(",")[2]
    value = "".join(value.split())
    if not value:
        raise GenerationError("Paint the region to redraw first.")
    if len(value) > MASK_MAX_BYTES * 4 // 3 + 4:
        raise GenerationError("The mask is too large.")
    try:
        raw = base64.b64decode(value, validate=True)
        picture = Image.open(io.BytesIO(raw))
        if picture.width * picture.height > MASK_MAX_PIXELS:
            raise GenerationError("The mask has too many pixels.")
        picture.load()
    except (
        binascii.Error,
        ValueError,
        OSError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
    ) as exc:
        raise GenerationError("The mask is not an image. Draw the region again.") from exc
    if abs(picture.width / picture.height - width / height) > ASPECT_TOLERANCE * width / height:
        raise GenerationError(
            f"The mask is {picture.width}×{picture.height} px but the image is "
            f"{width}×{height} px: it must have the image's shape."
        )
    grey = _on_black(picture)
    if grey.size != (width, height):
        grey = grey.resize((width, height), Image.Resampling.BILINEAR)
    grey = grey.point(lambda level: 255 if level >= 128 else 0)
    white = grey.histogram()[255]
    if white == 0:
        raise GenerationError("The mask is empty: paint the part of the image to redraw.")
    if white == width * height:
        raise GenerationError(
            "The mask covers the whole image: leave the part to keep unpainted "
            "(to change everything, use Vary (Strong))."
        )
    out = io.BytesIO()
    grey.save(out, "PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def _on_black(picture: Image.Image) -> Image.Image:
    """Greyscale ("L") with any transparency flattened onto black."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(black, rgba).convert("L")
    return picture.convert("L")
