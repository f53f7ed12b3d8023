"""What the lightbox offers for one image: the provider's buttons in groups, the tools and
the forms prefilled with the image, and the organising links, limited by the person's role
(`studio.teams.access`: a team viewer makes nothing new, only its maker or a team owner
deletes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.http import urlencode

from studio.gallery import services as library
from studio.gallery.templatetags.cards import Press, press_of
from studio.generation.models import Asset
from studio.teams import access

_UPSCALE = re.compile(r"U[1-4]|Upscale.*|Redo Upscale.*")
_VARY = re.compile(r"V[1-4]|\U0001f504|Vary.*")

# Tool slug (generation:tool) and the form field the image goes into.
_TOOLS = (
    ("remove-background", "Remove background", "image"),
    ("describe", "Describe", "image"),
    ("face-swap", "Face swap", "target"),
    ("blend", "Blend", "images"),
    ("image-to-image", "Image to image", "image"),
    ("upscale", "Flux upscale", "image"),
)


@dataclass(frozen=True)
class Link:
    """One link of the panel: its words, its address, and an optional hover text."""

    label: str
    url: str
    title: str = ""
    # On the gallery page, the prompt bar's image field this image goes into instead
    # ("nano_banana-reference_images": the model's slug, then its field; prompt-bar.js).
    into: str = ""


@dataclass
class Actions:
    """The panel's groups. Button groups hold `Press`es (drawn by the card's press
    partial); the others hold `Link`s. Empty groups are not shown."""

    may_create: bool
    can_delete: bool
    favourite: bool
    upscale: list[Press] = field(default_factory=list)
    vary: list[Press] = field(default_factory=list)
    edit: list[Press] = field(default_factory=list)
    use_as: list[Link] = field(default_factory=list)
    tools: list[Link] = field(default_factory=list)
    organize: list[Link] = field(default_factory=list)

    press_url: str = ""
    vary_region_url: str = ""
    # The image as the prompt bar shows a pick: {"id", "thumb", "label"} (empty: no image).
    pick: dict[str, str] = field(default_factory=dict)

    @property
    def has_buttons(self) -> bool:
        return bool(self.upscale or self.vary or self.edit)


def lightbox_actions(user, generation, asset: Asset | None) -> Actions:
    """Every action `user` may take on `asset` of `generation` from the lightbox.

    "Reuse settings" is the panel's own link (shown with `may_create`). Buttons and tools
    only when the person may create in the generation's workspace (`access.CREATE`);
    Delete only for `access.can_delete` and a final generation."""
    may_create = access.allowed(user, generation, access.CREATE)
    actions = Actions(
        may_create=may_create,
        can_delete=access.can_delete(user, generation) and generation.is_final,
        favourite=library.is_favourite(user, generation),
        press_url=reverse("generation:press", args=[generation.pk]),
        vary_region_url=reverse("generation:vary_region", args=[generation.pk]),
    )
    done = generation.status == "done"
    if may_create and done:
        for value in generation.buttons or ():
            press = press_of(value)
            if press.cancel:
                continue
            if _UPSCALE.fullmatch(value):
                actions.upscale.append(press)
            elif _VARY.fullmatch(value):
                actions.vary.append(press)
            else:
                actions.edit.append(press)
    image = asset if asset is not None and asset.role == Asset.Role.IMAGE else None
    if may_create and done and image is not None:
        pk = str(image.pk)
        video = reverse("generation:video_new")
        actions.pick = {
            "id": pk,
            "thumb": reverse("generation:asset", args=[pk, "thumb" if image.thumbnail else "file"]),
            "label": truncatechars(generation.prompt or "Gallery image", 60),
        }
        # The same fields as the forms' `?start_frame=<pk>` links: one server path either way.
        actions.use_as += [
            Link(
                "Animate (start frame)",
                f"{video}?{urlencode({'start_frame': pk})}",
                into="video-start_frame",
            ),
            Link(
                "Animate (end frame)",
                f"{video}?{urlencode({'end_frame': pk})}",
                into="video-end_frame",
            ),
            Link(
                "Remix",
                f"{reverse('generation:tool', args=['image-to-image'])}?image={pk}",
                "A new Midjourney image from this one and a prompt you type",
            ),
            Link(
                "Use as reference",
                f"{reverse('generation:nano_banana_new')}?{urlencode({'reference_images': pk})}",
                into="nano_banana-reference_images",
            ),
        ]
        actions.tools = [
            Link(label, f"{reverse('generation:tool', args=[slug])}?{urlencode({name: pk})}")
            for slug, label, name in _TOOLS
        ]
    if may_create:
        actions.organize.append(
            Link("Add to collection", f"{reverse('library:collection_add')}?ids={generation.pk}")
        )
    actions.organize.append(
        Link("Lineage", reverse("generation:lineage", args=[generation.pk]), "The family tree")
    )
    return actions
