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
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import URLValidator
from django.template.defaultfilters import truncatechars
from django.urls import Resolver404, resolve

from studio.uploads.images import UploadRejected, prepare_image
from studio.uploads.services import NOT_AVAILABLE
from studio.uploads.sources import (
    ImageSource,
    SourcesData,
    as_sources_data,
    as_uuid,
    own_images,
    unique,
)
from studio.uploads.widgets import ImageSourcesWidget

__all__ = [
    "ImageSource",
    "ImageSourcesField",
    "ImageSourcesWidget",
    "SourcesData",
    "UserFormMixin",
    "bind_user",
    "check_image_url",
]

# What ImaginePro accepts as a direct image link (docs/architecture.md "Pitfalls" §5).
URL_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
URL_MAX_LENGTH = 2000


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
        return set(own_images(self.user, asset_ids).values_list("pk", flat=True))

    def clean(self, value) -> list[ImageSource]:
        data = as_sources_data(value)
        raw_ids = unique(data.asset_ids)
        picked = [as_uuid(a) for a in raw_ids]
        malformed = picked.count(None)  # a hand-edited hidden input: refused like a stranger's
        urls = []
        for line in data.url_lines:
            asset_id = _gallery_asset_id(line)
            if asset_id is not None:
                picked.append(asset_id)
            else:
                urls.append(line)
        picked = unique(picked)
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
            (unique(before.asset_ids), before.url_lines)
            != (unique(after.asset_ids), after.url_lines)
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
