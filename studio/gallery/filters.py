"""The gallery's filters (django-filter): prompt text, model, kind, status, dates, aspect
ratio, member, favourites and collection. The form lives in the URL, so a filtered gallery
can be shared and the back button works.

A value that does not validate (an unknown ratio, a date that is not one) is ignored for
filtering and shown as the form's error; everything else still applies.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from studio.gallery import services
from studio.gallery.models import CollectionItem, Favourite
from studio.generation import search
from studio.generation.models import ACTIVE, Asset, Model, Status
from studio.teams.access import Workspace
from studio.web.dates import day_filter

KIND_CHOICES = [("image", "Images"), ("video", "Videos")]
STATUS_CHOICES = [("running", "Running"), (Status.DONE, "Done"), (Status.FAILED, "Failed")]


class GalleryForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


def _day_start(day) -> datetime:
    """Midnight starting `day` in the current time zone (UTC unless configured)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _is_video() -> Q:
    """A video: the Midjourney video model, or any generation with a stored video."""
    videos = Asset.objects.filter(generation=OuterRef("pk"), role=Asset.Role.VIDEO)
    return Q(model=Model.VIDEO) | Q(Exists(videos))


class GalleryFilter(django_filters.FilterSet):
    """Filters one workspace's generations. Built with the person's `request` (for
    favourites), the `workspace` (members, collections) and the `ratios` present in it."""

    q = django_filters.CharFilter(
        method="filter_prompt",
        label="Search prompts",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search prompts"}),
    )
    model = django_filters.ChoiceFilter(choices=Model.choices, empty_label="All models")
    kind = django_filters.ChoiceFilter(
        choices=KIND_CHOICES, method="filter_kind", empty_label="Images and videos"
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", empty_label="Any status"
    )
    date_from = day_filter(method="filter_date_from", label="From")
    date_to = day_filter(method="filter_date_to", label="To")
    aspect_ratio = django_filters.ChoiceFilter(
        choices=[], label="Aspect ratio", empty_label="Any ratio"
    )
    member = django_filters.ModelChoiceFilter(
        field_name="user",
        queryset=get_user_model().objects.none(),
        label="Member",
        empty_label="Any member",
    )
    favourites = django_filters.BooleanFilter(
        method="filter_favourites", label="Favourites only", widget=forms.CheckboxInput
    )
    collection = django_filters.ModelChoiceFilter(
        queryset=CollectionItem.objects.none(),  # replaced in __init__
        method="filter_collection",
        label="Collection",
        empty_label="Any collection",
    )

    class Meta:
        form = GalleryForm
        fields: list[str] = []

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request,
        workspace: Workspace,
        ratios=(),
        rows: int | None = None,
        before: tuple | None = None,
    ):
        """`rows`, `before`: the one page of the result that will be read (rows needed, and
        the (created_at, id) it comes after), which the prompt search reads alone."""
        super().__init__(data, queryset, request=request)
        self.rows, self.before = rows, before
        self.filters["aspect_ratio"].extra["choices"] = [(r, r) for r in ratios]
        self.filters["collection"].queryset = services.workspace_collections(
            workspace, request.user
        ).only("pk", "name")
        if workspace.team is None:
            del self.filters["member"]  # one's own gallery has one maker
        else:
            self.filters["member"].queryset = (
                get_user_model()
                .objects.filter(memberships__team=workspace.team)
                .order_by("username")
                .only("pk", "username")
            )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The filters in turn, the prompt search last: it reads only the matches the page
        needs of what the other filters leave."""
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def filter_prompt(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Prompts containing the text, any case, by the prompt index (studio.generation.search)."""
        if not value:
            return queryset
        return search.prompt_contains(queryset, value, rows=self.rows, before=self.before)

    def filter_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_is_video()) if value == "video" else queryset.exclude(_is_video())

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "running":
            return queryset.filter(status__in=ACTIVE)
        return queryset.filter(status=value)

    def filter_date_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_date_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))

    def filter_favourites(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        mine = Favourite.objects.filter(user=self.request.user, generation=OuterRef("pk"))
        return queryset.filter(Exists(mine))

    def filter_collection(self, queryset: QuerySet, name: str, value) -> QuerySet:
        items = CollectionItem.objects.filter(collection=value, generation=OuterRef("pk"))
        return queryset.filter(Exists(items))

    @property
    def advanced(self) -> bool:
        """True when a filter other than the search box is set (its panel opens)."""
        data = self.form.cleaned_data if self.form.is_valid() else self.form.data
        return any(data.get(name) for name in self.filters if name != "q") or bool(self.form.errors)

    @property
    def active(self) -> bool:
        """True when at least one filter narrows the gallery."""
        return any(
            value not in (None, "", False) for value in (self.form.cleaned_data or {}).values()
        )
