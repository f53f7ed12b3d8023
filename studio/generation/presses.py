"""Pressing a finished generation's buttons (POST /nova/button, imaginepro.md §3.3, §4).

Each press is a new child generation whose parent is the one pressed (DESIGN.md step 7).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from studio.generation import costs
from studio.generation.models import Action, Generation, Status
from studio.generation.services import GenerationError, generation_create


def button_press(*, user: AbstractBaseUser, parent: Generation, button: str) -> Generation:
    """Press one of a finished generation's buttons (POST /nova/button): a new child
    generation, sent with the parent's messageId and the button value verbatim.

    Raises GenerationError when the parent is not finished, the button is not in its
    `buttons` list, or the key that made it was deleted (a messageId belongs to one account).
    """
    if parent.user_id != user.pk:
        raise GenerationError("That generation is not yours.")
    if parent.status != Status.DONE:
        raise GenerationError("Buttons work once the generation is done.")
    if button not in parent.buttons:
        raise GenerationError(f"“{button}” is not one of this image's buttons.")
    if parent.provider_key is None:
        raise GenerationError(
            "The API key that made this image was deleted, so its buttons cannot be used."
        )
    return generation_create(
        user=user,
        provider_key=parent.provider_key,
        model=parent.model,
        endpoint="button",
        action=Action.BUTTON,
        parent=parent,
        button=button,
        prompt=parent.prompt,
        request_body={"messageId": parent.message_id, "button": button},
        params={},
        cost=costs.button(button),
    )
