"""One page of the gallery in a constant number of queries, whatever its size and depth.

The page is read with one query for the generations (with the person's favourite mark as an
`Exists` annotation) and one for their files (a `Prefetch`); it fetches one row more than it
shows to know whether there is a next page, so no `COUNT(*)` runs over the whole gallery
(infinite scroll never shows a total). The wall reads less (`light=True`): only what a
card's cache key needs, then, when some card is not in the card cache, those cards' rows in
full and their files (`full_cards`: two queries, whatever their number).

Further pages are keyset pages: "more" asks for the cards older than the last one shown
(`?after=<cursor>`, its `created_at` and id), which the wall's indexes (team or person,
`-created_at`, `-id`) reach directly at any depth, where an OFFSET would read and drop every
card before it. An old `?page=N` link still answers its page (an OFFSET, once) and goes on by
cursor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from studio.credits.models import Kind, LedgerEntry
from studio.gallery.models import Favourite
from studio.generation import selectors
from studio.generation.models import Asset, Generation, Status
from studio.generation.querysets import from_micros, micros
from studio.teams.access import Workspace

PAGE_SIZES = (24, 96)
RATIOS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class GalleryPage:
    """What the template needs of a page (the names of Django's `Page`)."""

    object_list: list
    number: int  # 1-based; a keyset page (`?after=`) is counted as page 2
    per_page: int
    has_next: bool

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def next_after(self) -> str:
        """The cursor of the next page: the last card shown ("" on the last page)."""
        if not self.has_next or not self.object_list:
            return ""
        return cursor_of(self.object_list[-1])


# --- keyset cursors ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A place in the wall: the cards older than (created_at, id), newest first."""

    created_at: datetime
    id: uuid.UUID


def cursor_of(generation) -> str:
    """`generation`'s place as `?after=` carries it: "<µs since 1970>.<id hex>" (URL-safe)."""
    return f"{micros(generation.created_at)}.{generation.pk.hex}"


def cursor_from(value) -> Cursor | None:
    """The place `value` (from `cursor_of`) names; None when it is missing or not one
    (a hand-edited link): the caller shows the first page."""
    try:
        place, _, hex_id = str(value or "").partition(".")
        return Cursor(from_micros(int(place)), uuid.UUID(hex=hex_id))
    except (ValueError, OverflowError):
        return None


def after(queryset: QuerySet, cursor: Cursor) -> QuerySet:
    """The rows of `queryset` (generations) after `cursor` in the wall's order
    (-created_at, -id): `GenerationQuerySet.older_than`."""
    return queryset.older_than(cursor.created_at, cursor.id)


def per_page_of(value) -> int:
    """The page size asked for (24 or 96); anything else is the first."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


# Past any gallery's end (100,000 × 96 cards), and an offset every database can store.
MAX_PAGE = 100_000


def page_number_of(value) -> int:
    """A page number from the URL; anything that is not a positive integer is page 1, and a
    number past MAX_PAGE is MAX_PAGE (an empty page, not an integer overflow in the query)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


# What the wall reads of a card before it knows whether the card's HTML is cached: the
# cache key (id, updated_at, rights: team, maker, star), whether it may be cached (status),
# its age and the page's cursor (created_at). A card to draw is read again in full.
KEY_FIELDS = ("id", "created_at", "updated_at", "status", "team_id", "user_id")


def _favourite(user: AbstractBaseUser) -> Exists:
    return Exists(Favourite.objects.filter(user=user, generation=OuterRef("pk")))


def with_card_data(queryset: QuerySet, user: AbstractBaseUser) -> QuerySet:
    """What a gallery card shows, loaded up front: the files (one prefetch query for the
    whole page), the person's favourite mark (`is_favourite`, a subquery) and the credits
    given back for a failed or cancelled job (`refunded_credits`, a positive int or None,
    a subquery on the ledger's one refund entry per generation)."""
    # raw_message: the provider's whole message, never on a card.
    return (
        queryset.defer("raw_message")
        .annotate(is_favourite=_favourite(user), refunded_credits=_refund())
        .prefetch_related(_files())
    )


def _files() -> Prefetch:
    """A card's files, in the order it shows them (one query for the whole page)."""
    return Prefetch("assets", queryset=Asset.objects.order_by("role", "index"))


def _refund():
    """The credits given back for a failed or cancelled job (positive), or None: the ledger's
    one refund entry per generation."""
    refund = LedgerEntry.objects.filter(generation=OuterRef("pk"), kind=Kind.REFUND)
    return -Subquery(refund.values("credits")[:1])


def full_cards(generations: list) -> list:
    """`generations` (read with `light=True`: they carry `is_favourite`) read again with
    everything their cards show (`with_card_data`), in the same order; one that was deleted
    meanwhile is left out. Two queries (the rows, their files), whatever their number. The
    favourite mark comes from the light rows, and the refund's subquery is asked only when a
    light row had failed: compiling those subqueries cost twice the read itself (a job that
    failed since the light read asks the ledger when its card is drawn, `Card.refunded`)."""
    rows = (
        Generation.objects.filter(pk__in=[g.pk for g in generations])
        .defer("raw_message")
        .prefetch_related(_files())
    )
    if any(g.status == Status.FAILED for g in generations):
        rows = rows.annotate(refunded_credits=_refund())
    marks = {g.pk: g.is_favourite for g in generations}
    by_id = {}
    for g in rows:
        g.is_favourite = marks[g.pk]
        by_id[g.pk] = g
    return [by_id[g.pk] for g in generations if g.pk in by_id]


def gallery_page(
    queryset: QuerySet,
    user: AbstractBaseUser,
    *,
    number: int = 1,
    per_page: int,
    cursor: Cursor | None = None,
    light: bool = False,
) -> GalleryPage:
    """`per_page` cards of `queryset`, newest first: those after `cursor` when given (a
    keyset page, at the same cost at any depth), else page `number` (1-based; an OFFSET,
    for old `?page=` links). `light=True` reads only KEY_FIELDS and `is_favourite` (the
    wall's `wall_cards` reads the cards it draws again with `full_cards`); otherwise
    everything a card shows (`with_card_data`)."""
    if light:
        queryset = queryset.only(*KEY_FIELDS).annotate(is_favourite=_favourite(user))
    else:
        queryset = with_card_data(queryset, user)
    ordered = queryset.order_by("-created_at", "-id")
    if cursor is not None:
        number = max(number, 2)
        rows = list(after(ordered, cursor)[: per_page + 1])
    else:
        start = (number - 1) * per_page
        rows = list(ordered[start : start + per_page + 1])
    return GalleryPage(
        object_list=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > per_page,
    )


def _ratios_key(workspace: Workspace, user: AbstractBaseUser) -> str:
    owner = f"team-{workspace.team.pk}" if workspace.team else f"user-{user.pk}"
    return f"library:ratios:{owner}"


def workspace_ratios(workspace: Workspace, user: AbstractBaseUser) -> list[str]:
    """The aspect ratios present in a workspace's gallery, for the filter's choices (widest
    first). Cached for a minute: a new ratio shows up soon."""
    key = _ratios_key(workspace, user)
    found = cache.get(key)
    if found is None:
        values = (
            selectors.workspace_generations(workspace, user)
            .exclude(aspect_ratio="")
            .order_by()
            .values_list("aspect_ratio", flat=True)
            .distinct()
        )
        found = sorted(set(values), key=_ratio_order)
        cache.set(key, found, RATIOS_CACHE_SECONDS)
    return found


def _ratio_order(name: str) -> tuple:
    try:
        w, h = (int(part) for part in name.split(":"))
        return (-(w / h), name)
    except (ValueError, ZeroDivisionError):
        return (0, name)
