"""One page of the gallery in a constant number of queries, whatever its size.

The page is read with one query for the generations (with the person's favourite mark as an
`Exists` annotation) and one for their files (a `Prefetch`); it fetches one row more than it
shows to know whether there is a next page, so no `COUNT(*)` runs over the whole gallery
(infinite scroll never shows a total).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from studio.credits.models import Kind, LedgerEntry
from studio.gallery.models import Favourite
from studio.generation import selectors
from studio.generation.models import Asset
from studio.teams.access import Workspace

PAGE_SIZES = (24, 96)
RATIOS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class GalleryPage:
    """What the template needs of a page (the names of Django's `Page`)."""

    object_list: list
    number: int
    per_page: int
    has_next: bool

    @property
    def next_page_number(self) -> int:
        return self.number + 1


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


def with_card_data(queryset: QuerySet, user: AbstractBaseUser) -> QuerySet:
    """What a gallery card shows, loaded up front: the files (one prefetch query for the
    whole page), the person's favourite mark (`is_favourite`, a subquery) and the credits
    given back for a failed or cancelled job (`refunded_credits`, a positive int or None,
    a subquery on the ledger's one refund entry per generation)."""
    mine = Favourite.objects.filter(user=user, generation=OuterRef("pk"))
    refund = LedgerEntry.objects.filter(generation=OuterRef("pk"), kind=Kind.REFUND)
    files = Asset.objects.order_by("role", "index")
    return (
        queryset.defer("raw_message")  # the provider's whole message: never on a card
        .annotate(
            is_favourite=Exists(mine),
            refunded_credits=-Subquery(refund.values("credits")[:1]),
        )
        .prefetch_related(Prefetch("assets", queryset=files))
    )


def gallery_page(
    queryset: QuerySet, user: AbstractBaseUser, *, number: int, per_page: int
) -> GalleryPage:
    """Page `number` (1-based) of `queryset`, newest first, `per_page` cards."""
    start = (number - 1) * per_page
    rows = list(
        with_card_data(queryset, user).order_by("-created_at")[start : start + per_page + 1]
    )
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
