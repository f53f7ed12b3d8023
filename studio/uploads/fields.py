"""A form field for a group of images, each an upload, a typed link or a gallery pick.

    class NanoBananaForm(UserFormMixin, forms.Form):
        reference_images = ImageSourcesField(max_count=8, label="Reference images")

    form = NanoBananaForm(request.POST or None, request.FILES or None, user=request.user)
    if form.is_valid():
        urls = materialize(user=request.user, sources=form.cleaned_data["reference_images"])

The widget posts three inputs per field: `<name>_files` (several files), `<name>_urls` (a
textarea, one link per line) and `<name>_assets` (repeated hidden inputs, Asset UUIDs).
Django hands `files` to every widget's value_from_datadict, so this is an ordinary Field,
not a FileField; `clean` receives what the widget gathered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat, truncatechars
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.safestring import mark_safe

from studio.generation.models import Asset
from studio.uploads.images import (
    ACCEPTED_CONTENT_TYPES,
    PreparedImage,
    UploadRejected,
    prepare_image,
)
from studio.uploads.services import NOT_AVAILABLE

__all__ = [
    "ImageSource",
    "ImageSourcesField",
    "ImageSourcesWidget",
    "SourcesData",
    "UserFormMixin",
    "bind_user",
]

# What ImaginePro accepts as a direct image link (TECH.md §5).
URL_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
URL_MAX_LENGTH = 2000


@dataclass(frozen=True)
class ImageSource:
    """One image of a group, as the person gave it; materialize() turns it into a URL.

    kind: "upload" (file: the UploadedFile; prepared: its checked, re-encoded JPEG),
    "url" (url: the link as typed, stripped) or "asset" (asset_id: an Asset of the user's).
    """

    kind: Literal["upload", "url", "asset"]
    file: UploadedFile | None = None
    url: str = ""
    asset_id: uuid.UUID | None = None
    prepared: PreparedImage | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """Short text naming the image for a person ("cat.png", the link, "gallery image")."""
        if self.kind == "upload":
            return getattr(self.file, "name", "") or "uploaded image"
        if self.kind == "url":
            return self.url
        return "gallery image"


@dataclass
class SourcesData:
    """What the widget read from one POST: files, the links text, picked Asset ids."""

    files: list[UploadedFile] = field(default_factory=list)
    urls: str = ""
    asset_ids: list[str] = field(default_factory=list)

    @property
    def url_lines(self) -> list[str]:
        return _unique(line.strip() for line in self.urls.splitlines())


def _unique(items) -> list:
    """Non-empty items, first occurrence kept, order kept."""
    seen: dict = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except ValueError:
        return None


def as_sources_data(value: Any) -> SourcesData:
    """Normalise what a field may hold: the widget's SourcesData (bound form), or an
    initial value (None, one item or a list of Asset UUIDs/strings, Assets, URLs,
    ImageSources)."""
    if isinstance(value, SourcesData):
        return value
    if value in (None, ""):
        return SourcesData()
    items = value if isinstance(value, list | tuple) else [value]
    data = SourcesData()
    urls = []
    for item in items:
        if isinstance(item, ImageSource):
            if item.kind == "upload" and item.file is not None:
                data.files.append(item.file)
            elif item.kind == "url":
                urls.append(item.url)
            elif item.asset_id:
                data.asset_ids.append(str(item.asset_id))
        elif isinstance(item, Asset):
            data.asset_ids.append(str(item.pk))
        elif isinstance(item, UploadedFile):
            data.files.append(item)
        elif _as_uuid(item) is not None:
            data.asset_ids.append(str(_as_uuid(item)))
        elif isinstance(item, str) and item.strip():
            urls.append(item.strip())
    data.urls = "\n".join(urls)
    return data


def _getlist(data: Any, key: str) -> list:
    if data is None:
        return []
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _own_images(user: Any, asset_ids: list[uuid.UUID]):
    """The user's image assets among `asset_ids` (role image, an image file)."""
    return Asset.objects.filter(
        pk__in=asset_ids,
        generation__user=user,
        role=Asset.Role.IMAGE,
        content_type__startswith="image/",
    )


def _gallery_asset_id(url: str) -> uuid.UUID | None:
    """If `url` is the address of one of our gallery files (copied from the gallery, which
    only its owner can open), the asset's id, so it can be used as a pick."""
    parts = urlsplit(url)
    ours = {urlsplit(settings.SITE_URL).netloc, urlsplit(settings.PUBLIC_BASE_URL).netloc}
    if parts.netloc not in ours:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name == "generation:asset":
        return match.kwargs.get("asset_id")
    return None


_url_validator = URLValidator(schemes=["http", "https"])


def check_image_url(url: str) -> None:
    """Raise ValidationError unless `url` looks like a direct http(s) link to an image:
    a web address whose path ends in .jpg/.jpeg/.png/.webp/.gif (a query string is allowed)."""
    shown = truncatechars(url, 60)
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(f"“{shown}” is too long for a link.", code="url")
    try:
        _url_validator(url)
    except ValidationError as exc:
        raise ValidationError(
            f"“{shown}” is not a web address; links start with https:// or http://.",
            code="url",
        ) from exc
    if not urlsplit(url).path.lower().endswith(URL_EXTENSIONS):
        raise ValidationError(
            f"“{shown}” does not look like a direct link to an image. Open the image on its "
            "own and copy that address: it should end in .jpg, .png or .webp.",
            code="url",
        )


class ImageSourcesWidget(forms.Widget):
    """Drop zone + previews + "Pick from gallery" dialog + links textarea
    (templates/uploads/_sources.html, static/js/sources.js). Without JavaScript it is still a
    plain multiple file input and a textarea."""

    template_name = "uploads/_sources.html"
    needs_multipart_form = True  # form.is_multipart() is True: use enctype="multipart/form-data"

    def __init__(self, attrs: dict | None = None, *, min_count: int = 0, max_count: int = 8):
        super().__init__(attrs)
        self.min_count = min_count
        self.max_count = max_count
        self.user = None  # set by bind_user; needed to show preselected gallery picks

    def value_from_datadict(self, data, files, name) -> SourcesData:
        return SourcesData(
            files=[f for f in _getlist(files, f"{name}_files") if isinstance(f, UploadedFile)],
            urls=str((data or {}).get(f"{name}_urls") or ""),
            asset_ids=[str(v) for v in _getlist(data, f"{name}_assets")],
        )

    def value_omitted_from_data(self, data, files, name) -> bool:
        return (
            f"{name}_files" not in (files or {})
            and f"{name}_urls" not in (data or {})
            and f"{name}_assets" not in (data or {})
        )

    def use_required_attribute(self, initial) -> bool:
        # Any of three inputs may satisfy the group; the browser cannot know. JS and the
        # server check the count instead.
        return False

    def format_value(self, value):
        return as_sources_data(value)

    def _picks(self, asset_ids: list[str]) -> list[dict[str, str]]:
        """Preview data for the picked assets that are the user's, in the given order."""
        ids = [i for i in (_as_uuid(a) for a in _unique(asset_ids)) if i]
        if not ids or self.user is None or not self.user.is_authenticated:
            return []
        found = {a.pk: a for a in _own_images(self.user, ids).select_related("generation")}
        return [
            {
                "id": str(asset.pk),
                "thumb": reverse(
                    "generation:asset", args=[asset.pk, "thumb" if asset.thumbnail else "file"]
                ),
                "label": truncatechars(asset.generation.prompt or "Gallery image", 60),
            }
            for asset in (found.get(i) for i in ids)
            if asset is not None
        ]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        data = as_sources_data(value)
        picks = self._picks(data.asset_ids)
        id_ = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["sources"] = {
            "id": id_,
            "min": self.min_count,
            "max": self.max_count,
            "multiple": self.max_count > 1,
            "picks": picks,
            "urls": data.urls,
            "count": len(picks) + len(data.url_lines),
            "files_lost": len(data.files),
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "max_size": filesizeformat(settings.UPLOAD_MAX_BYTES),
            "accept": ",".join(ACCEPTED_CONTENT_TYPES),
            "picker_url": reverse("uploads:picker"),
        }
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/, {% static %}, {% url %}), not the form
        # renderer's, which only searches app and django/forms templates.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))


class ImageSourcesField(forms.Field):
    """A group of 0..max_count images for a provider, each uploaded, linked or picked.

    min_count/max_count: how many images the group needs/takes (required = min_count > 0).
    The form must bind the user (bind_user(form, user), or UserFormMixin) before validation
    when gallery picks are possible: a pick that is not the user's own image is refused with
    the same message as one that does not exist.

    clean() returns list[ImageSource] in a stable order: uploads (as chosen), gallery picks
    (as picked; a pasted link to one of our gallery files counts as a pick), then links (as
    typed, one per line); duplicates dropped. It checks the count first ("Add at least 1
    image", "At most 8 images (you gave 10)"), then each link (http/https, a direct image
    link) and each file exactly as upload_create would (type, size, pixels, decodable), so
    materialize() only has to store. Nothing is stored by clean().
    """

    widget = ImageSourcesWidget

    def __init__(self, *, min_count: int = 0, max_count: int = 8, **kwargs) -> None:
        if min_count < 0 or max_count < max(1, min_count):
            raise ValueError(f"bad image counts: min_count={min_count}, max_count={max_count}")
        kwargs.setdefault("required", min_count > 0)
        super().__init__(**kwargs)
        self.min_count = min_count
        self.max_count = max_count
        self.widget.min_count = min_count
        self.widget.max_count = max_count
        self.user = None  # set per form instance by bind_user

    def _check_count(self, given: int) -> None:
        if given < self.min_count:
            noun = "image" if self.min_count == 1 else "images"
            raise ValidationError(f"Add at least {self.min_count} {noun}.", code="too_few")
        if given > self.max_count:
            noun = "image" if self.max_count == 1 else "images"
            raise ValidationError(
                f"At most {self.max_count} {noun} (you gave {given}).", code="too_many"
            )

    def _owned(self, asset_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        if not asset_ids:
            return set()
        if self.user is None:
            raise ImproperlyConfigured(
                "ImageSourcesField needs the user before validating gallery picks: call "
                "bind_user(form, user) in the form's __init__ or use UserFormMixin."
            )
        return set(_own_images(self.user, asset_ids).values_list("pk", flat=True))

    def clean(self, value) -> list[ImageSource]:
        data = as_sources_data(value)
        raw_ids = _unique(data.asset_ids)
        picked = [_as_uuid(a) for a in raw_ids]
        malformed = picked.count(None)  # a hand-edited hidden input: refused like a stranger's
        urls = []
        for line in data.url_lines:
            asset_id = _gallery_asset_id(line)
            if asset_id is not None:
                picked.append(asset_id)
            else:
                urls.append(line)
        picked = _unique(picked)
        self._check_count(len(data.files) + len(picked) + malformed + len(urls))

        errors: list[str] = []
        sources: list[ImageSource] = []
        for file in data.files:
            try:
                sources.append(ImageSource("upload", file=file, prepared=prepare_image(file)))
            except UploadRejected as exc:
                errors.append(exc.message)
        owned = self._owned(picked)
        sources += [ImageSource("asset", asset_id=i) for i in picked if i in owned]
        if malformed or len(owned) < len(picked):
            errors.append(NOT_AVAILABLE)
        for url in urls:
            try:
                check_image_url(url)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                sources.append(ImageSource("url", url=url))
        if errors:
            raise ValidationError(errors, code="invalid")
        self.validate(sources)
        self.run_validators(sources)
        return sources

    def validate(self, value) -> None:
        # The count check in clean() replaces Field.validate's "This field is required."
        pass

    def has_changed(self, initial, data) -> bool:
        before, after = as_sources_data(initial), as_sources_data(data)
        return bool(after.files) or (
            (_unique(before.asset_ids), before.url_lines)
            != (_unique(after.asset_ids), after.url_lines)
        )


def bind_user(form: forms.BaseForm, user: Any) -> None:
    """Tell every ImageSourcesField of `form` (an instance) whose gallery it may pick from.

    Call it in the form's __init__ after super().__init__(), e.g. in a form that already
    takes `user` for other reasons:
        def __init__(self, *args, user, **kwargs):
            super().__init__(*args, user=user, **kwargs)
            bind_user(self, user)
    """
    for form_field in form.fields.values():
        if isinstance(form_field, ImageSourcesField):
            form_field.user = user
            form_field.widget.user = user


class UserFormMixin:
    """Takes a `user` keyword, keeps it as `self.user` and binds it to the form's
    ImageSourcesFields. For forms whose other bases do not take `user` themselves:
        class BlendForm(UserFormMixin, forms.Form): ...
        BlendForm(request.POST or None, request.FILES or None, user=request.user)
    """

    def __init__(self, *args, user: Any, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        bind_user(self, user)
