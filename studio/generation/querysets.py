"""QuerySets of the generation models: every UPDATE moves `updated_at`, so a cached view of
a row (the gallery card's HTML) can be keyed by `(pk, updated_at)`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import models
from django.utils import timezone

# The gallery's wall, newest first with the id as tie-breaker, so a keyset page
# (studio.gallery.pages) starts at its cursor at any depth: a team's, and a person's own.
WALL_INDEXES = [
    models.Index(fields=["team", "-created_at", "-id"], name="generation_team_wall"),
    models.Index(
        fields=["user", "-created_at", "-id"],
        name="generation_personal_wall",
        condition=models.Q(team__isnull=True),
    ),
]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """`moment` (aware) in whole microseconds since 1970-01-01 UTC: how the wall's keyset
    cursor (`?after=`) and the SQLite prompt index's row numbers (studio.generation.search)
    name a place in time."""
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """The aware UTC datetime `micros` gave `value` for. Raises OverflowError past year
    9999."""
    return _EPOCH + value * _MICROSECOND


class GenerationQuerySet(models.QuerySet):
    def update(self, **fields) -> int:
        """`QuerySet.update` that also sets `updated_at` to now unless `fields` give it, as
        `save()` does (auto_now): every change of a row moves it, so a cached view of the
        row (the gallery card's HTML) can be keyed by `(pk, updated_at)`. Returns the number
        of rows updated."""
        fields.setdefault("updated_at", timezone.now())
        return super().update(**fields)

    def older_than(self, created_at, pk) -> GenerationQuerySet:
        """The rows after (created_at, pk) in the wall's order (-created_at, -id). The first
        condition alone is a range on the wall's index; the second drops the place's own
        microsecond and the rows before it within that microsecond."""
        return self.filter(created_at__lte=created_at).filter(
            models.Q(created_at__lt=created_at) | models.Q(id__lt=pk)
        )


class AssetQuerySet(models.QuerySet):
    """Changes to files move their generations' `updated_at` (the card shows the files)."""

    def update(self, **fields) -> int:
        """`QuerySet.update`, then the generations of the updated rows are touched.
        Returns the number of asset rows updated."""
        # Read first: once `fields` are written, the filter may match other rows.
        parents = set(self.values_list("generation_id", flat=True))
        updated = super().update(**fields)
        _generations(self).filter(pk__in=parents).update()
        return updated

    def delete(self):
        """`QuerySet.delete`, then the generations of the deleted rows are touched. Returns
        what `QuerySet.delete` returns."""
        parents = set(self.values_list("generation_id", flat=True))
        deleted = super().delete()
        _generations(self).filter(pk__in=parents).update()
        return deleted


def _generations(assets: models.QuerySet) -> models.QuerySet:
    """All generations, reached from an asset QuerySet (this module cannot import the model)."""
    return assets.model._meta.get_field("generation").related_model.objects.all()
