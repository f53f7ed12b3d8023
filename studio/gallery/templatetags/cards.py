"""What a gallery card may offer the person looking at it, and what it shows, prepared in
Python once per card so the template does little more than print it (the gallery's
first page in ≤ 30 ms; most of its time was template work per card: URL reversals, filters
per button, includes per tile)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cached_property, lru_cache

from django import template
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from studio.credits import ledger
from studio.gallery import running, services
from studio.gallery import tiles as shapes
from studio.generation import costs, presses
from studio.generation.cancel import UNSENT_NOTE
from studio.generation.models import Asset, Status
from studio.generation.templatetags import generation as words  # the filters' own wording
from studio.teams import access
from studio.web import dates

register = template.Library()


@dataclass(frozen=True)
class CardRights:
    create: bool  # press buttons, retry, cancel, tools, add to a collection
    delete: bool  # its maker or a team owner
    favourite: bool  # the person's own star


@register.simple_tag(takes_context=True)
def card_rights(context, generation) -> CardRights:
    """The person's rights on a card. In the gallery every card is in the current
    workspace, whose role is known, and `is_favourite` is annotated: no query per card.
    A card rendered alone (polled, pressed, imported) asks `access` (one query at most for a
    team generation) and reads its star."""
    request = context.get("request")
    user = request.user
    workspace = getattr(request, "workspace", None)
    in_workspace = workspace is not None and (
        generation.team_id == workspace.team.pk
        if workspace.team is not None
        else generation.team_id is None and generation.user_id == user.pk
    )
    if in_workspace:
        create = workspace.allows(access.CREATE)
        delete = generation.user_id == user.pk or workspace.allows(access.MANAGE)
    else:
        create = access.allowed(user, generation, access.CREATE)
        delete = access.can_delete(user, generation)
    favourite = getattr(generation, "is_favourite", None)
    if favourite is None:
        favourite = services.is_favourite(user, generation)
    return CardRights(create=create, delete=delete, favourite=favourite)


# --- paths without the resolver ------------------------------------------------------------

# Stand-ins reversed once per URL name; a path is then these replaced by the real values.
# A UUID's text fits both the `uuid` and the `str` converters our card URLs use.
_STAND_INS = tuple(str(uuid.UUID(int=0xC0FFEE00 + n)) for n in range(4))
_PLAIN = re.compile(r"[0-9A-Za-z_-]+")  # values that reverse() would not quote


@lru_cache(maxsize=128)
def _path_parts(name: str, arity: int, prefix: str) -> tuple[str, ...] | None:
    """The literal pieces of `name`'s path around its `arity` arguments, or None when the
    pattern does not take the stand-ins (then `path_of` asks `reverse` every time)."""
    try:
        sample = reverse(name, args=_STAND_INS[:arity])
    except NoReverseMatch:
        return None
    parts, rest = [], sample
    for stand_in in _STAND_INS[:arity]:
        before, found, rest = rest.partition(stand_in)
        if not found:
            return None
        parts.append(before)
    parts.append(rest)
    return tuple(parts)


def path_of(name: str, *args) -> str:
    """`reverse(name, args=args)` for ids (UUIDs, integers) and plain words, at the cost
    of a string join: the pattern is reversed once per name and script prefix. Anything
    else (a value reverse() would quote or refuse) goes through `reverse` itself, so the
    result is always what `reverse` gives. Raises NoReverseMatch like `reverse`."""
    values = [str(arg) for arg in args]
    parts = None
    if len(values) <= len(_STAND_INS) and all(_PLAIN.fullmatch(v) for v in values):
        parts = _path_parts(name, len(values), get_script_prefix())
    if parts is None:
        return reverse(name, args=args)
    pieces = [parts[0]]
    for value, literal in zip(values, parts[1:], strict=True):
        pieces += (value, literal)
    return "".join(pieces)


# --- buttons -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One provider button as its card shows it. The same words as the `studio` filters
    (`button_label`, `button_title`, `button_cost`, `button_id`), computed once per value."""

    value: str  # sent verbatim
    label: str
    title: str  # hover: the value and its price
    cost: int | None  # published credits, None where the provider is silent
    dom_id: str  # fit for an HTML id
    remix: bool  # V1–V4 and 🔄 take a remix prompt
    vary_region: bool  # opens the mask editor instead of pressing
    cancel: bool  # Cancel Job: only the running card's Cancel, never a press


@lru_cache(maxsize=256)
def press_of(button: str) -> Press:
    """The card's view of a button value (pure: cached per value for the process)."""

    return Press(
        value=button,
        label=words.button_label(button),
        title=words.button_title(button),
        cost=costs.button_known(button),
        dom_id=words.button_id(button),
        remix=presses.takes_remix(button),
        vary_region=button == presses.VARY_REGION,
        cancel=button == presses.CANCEL_JOB,
    )


@register.filter(name="press")
def press_filter(button: str) -> Press:
    """`{% with p=b|press %}`: a button value as its card shows it (see `Press`)."""
    return press_of(button)


# --- a whole card --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One image of a card: its paths and the buttons under it (U n, V n of a grid)."""

    asset: Asset
    file_url: str
    thumb_url: str
    panel_url: str  # the lightbox's side panel for this image
    buttons: tuple[Press, ...]
    ratio: str  # width / height for the wall's `data-ar` ("1.5000")


_TILE_BUTTON = re.compile(r"[UV]([1-4])")
# A provider's refusal of the prompt's words: ImaginePro's `Banned prompt detected: "<word>"`,
# ImagineLab's "Content policy violation" (docs/provider-contract.md), and the submit task's
# "Midjourney would refuse this prompt: …" (its prompt check, generation/submit.py). The same
# prompt would fail the same way, so the card offers to edit it instead of a retry.
_BANNED_PROMPT = re.compile(r"banned prompt|content policy|would refuse this prompt", re.IGNORECASE)
CANCELLED = "cancelled"  # a card's state beside `Status`: FAILED after a cancel was asked


class Card:
    """Everything a gallery card prints that takes work: the person's rights, the paths
    (each reversed without the resolver, see `path_of`) and the buttons as `Press`es.
    Built by `{% gallery_card g as c %}`; its properties read the prefetched `assets`
    (no query)."""

    CACHE_SECONDS = 3600  # a finished card's HTML; a changed card gets a new key anyway
    CSRF_STAND_IN = "csrf-stand-in-8f3a1c"  # `fill_in` puts the page's own token here
    AGO_STAND_IN = "ago-stand-in-8f3a1c"  # `fill_in` puts the card's age as it reads now

    def __init__(self, generation, rights: CardRights, context=None):
        self.generation = generation
        self.rights = rights
        self.pk = generation.pk
        self.request = context.get("request") if context is not None else None
        self.csrf_token = context.get("csrf_token") if context is not None else None
        self.use_l10n = context.use_l10n if context is not None else None

    @cached_property
    def ago(self) -> str:
        """The card's age as it reads now: "just now" under a minute, else "3 minutes ago"."""
        return dates.ago(self.generation.created_at)

    @cached_property
    def cancelled(self) -> bool:
        """A job closed because its maker cancelled it (`cancel.generation_cancel` leaves it
        FAILED with `cancel_requested_at` set; a refused cancel clears that stamp)."""
        return self.generation.is_cancelled

    @cached_property
    def state(self) -> str:
        """The card's state: a `Status` value, or CANCELLED (grey, no Retry)."""
        return CANCELLED if self.cancelled else self.generation.status

    @cached_property
    def state_label(self) -> str:
        """The status badge's words: "cancelled", "creating", "failed", "done"… (a running
        card's figure is on its bar and state line)."""
        g = self.generation
        if self.cancelled:
            return CANCELLED
        if g.status == Status.PROCESSING:
            return "creating"
        return g.get_status_display().lower()

    @cached_property
    def cancel_note(self) -> str:
        """Why a cancelled card has no image, in a sentence."""
        if self.generation.error == UNSENT_NOTE:
            return UNSENT_NOTE
        return "Cancelled at your request."

    @cached_property
    def banned_prompt(self) -> bool:
        """A failure because the provider refused words of the prompt (see _BANNED_PROMPT)."""
        g = self.generation
        return (
            g.status == Status.FAILED
            and not self.cancelled
            and bool(_BANNED_PROMPT.search(g.error or ""))
        )

    @cached_property
    def refunded(self) -> int | None:
        """Credits given back for a failed or cancelled job (positive), or None. The gallery
        annotates `refunded_credits` (`pages.with_card_data`); a card drawn alone asks the
        ledger once."""
        g = self.generation
        if g.status != Status.FAILED:
            return None
        if hasattr(g, "refunded_credits"):
            return g.refunded_credits or None
        return ledger.refunded(g.pk) or None

    @cached_property
    def cached(self) -> bool:
        """Whether the card's HTML may come from the `{% cache %}` (alias "cards"): a
        finished card, on a page that reopens no remix box, with a CSRF token to put back.
        A running card is always drawn afresh."""
        return (
            self.generation.is_final
            and self.request is not None
            and "remix" not in self.request.GET
            and bool(self.csrf_token)
        )

    @cached_property
    def locale(self) -> str:
        """What the card's HTML depends on beside the row and the rights: whether numbers
        are localized, the language, the time zone and the script prefix (a cache key part)."""
        return "|".join(
            (
                str(self.use_l10n),
                translation.get_language() or "",
                timezone.get_current_timezone_name(),
                get_script_prefix(),
            )
        )

    @cached_property
    def detail_url(self) -> str:
        return path_of("generation:detail", self.pk)

    @cached_property
    def press_url(self) -> str:
        return path_of("generation:press", self.pk)

    @cached_property
    def vary_region_url(self) -> str:
        return path_of("generation:vary_region", self.pk)

    @cached_property
    def tools_url(self) -> str:
        return path_of("generation:tools")

    @cached_property
    def _assets(self) -> list[Asset]:
        return list(self.generation.assets.all())  # prefetched in the gallery

    @cached_property
    def images(self) -> list[Asset]:
        return [a for a in self._assets if a.role == Asset.Role.IMAGE]

    @cached_property
    def has_videos(self) -> bool:
        return any(a.role == Asset.Role.VIDEO for a in self._assets)

    @cached_property
    def has_audio(self) -> bool:
        return any(a.role == Asset.Role.AUDIO for a in self._assets)

    def _tile_of(self, button: str) -> int | None:
        """The image a button acts on: U n and V n belong to tile n of a grid (as
        `Generation.image_tiles`), None for the buttons of the whole result."""
        match = _TILE_BUTTON.fullmatch(button)
        tiles = len(self.images)
        if match and tiles > 1 and int(match.group(1)) <= tiles:
            return int(match.group(1))
        return None

    def _on_tile(self, button: str, index: int) -> bool:
        """Whether a button shows over image `index` on the wall: its U n / V n; a single
        image's U / V too (the rest of its buttons are in the lightbox)."""
        if len(self.images) == 1:
            return bool(_TILE_BUTTON.fullmatch(button))
        return self._tile_of(button) == index

    @cached_property
    def tiles(self) -> list[Tile]:
        panel = path_of("generation:lightbox", self.pk)
        buttons = self.generation.buttons or []
        tiles = []
        for asset in self.images:
            tiles.append(
                Tile(
                    asset=asset,
                    file_url=path_of("generation:asset", asset.pk, "file"),
                    thumb_url=path_of("generation:asset", asset.pk, "thumb"),
                    panel_url=f"{panel}?asset={asset.pk}",
                    buttons=tuple(press_of(b) for b in buttons if self._on_tile(b, asset.index)),
                    ratio=shapes.ratio_text(shapes.asset_ratio(asset)),
                )
            )
        return tiles

    @cached_property
    def on_wall(self) -> bool:
        """A finished result of images only: one wall tile per image. Anything else (running,
        failed, videos, audio, text, describe) is one card-like tile."""
        g = self.generation
        return (
            g.status == Status.DONE
            and bool(self.images)
            and not (self.has_videos or self.has_audio or g.text_outputs)
        )

    @cached_property
    def ratio(self) -> str:
        """The card-like tile's `data-ar`: the job's ratio, a video's own, or wide for audio
        and words (`studio.gallery.tiles`)."""
        g = self.generation
        if g.status == Status.DONE:
            videos = [a for a in self._assets if a.role == Asset.Role.VIDEO]
            ratio = shapes.asset_ratio(videos[0]) if videos else shapes.WIDE
            return shapes.ratio_text(max(ratio, shapes.WIDE))
        return shapes.ratio_text(shapes.job_ratio(g))

    @cached_property
    def other_buttons(self) -> tuple[Press, ...]:
        """Buttons of the whole result (🔄, Zoom, Vary …, or all of a single image's)."""
        return tuple(press_of(b) for b in self.generation.buttons or [] if self._tile_of(b) is None)

    @cached_property
    def state_line(self) -> str:
        """A running job's state in plain words (`running.state_line`)."""
        return running.state_line(self.generation)

    @cached_property
    def running_note(self) -> str:
        """The worker's note when it adds to the state line (`running.running_note`)."""
        return running.running_note(self.generation)


@register.simple_tag(takes_context=True)
def gallery_card(context, generation) -> Card:
    """`{% gallery_card g as c %}`: the card's rights (`c.rights`, see `card_rights`),
    paths, buttons, age, and whether its HTML may be cached (`c.cached`)."""
    return Card(generation, card_rights(context, generation), context)


# --- a finished card's HTML, cached -------------------------------------------------------


@register.filter(is_safe=True)
def fill_in(html: str, card: Card) -> str:
    """`{% filter fill_in:c %}`: a card's HTML drawn with `Card.CSRF_STAND_IN` and
    `Card.AGO_STAND_IN` (the cached copy, shared by every page and person with the same key)
    with the current page's CSRF token and the card's age as it reads now put in."""
    return mark_safe(
        str(html)
        .replace(Card.CSRF_STAND_IN, str(card.csrf_token))
        .replace(Card.AGO_STAND_IN, escape(card.ago))
    )
