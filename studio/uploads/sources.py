"""The values an image-sources field works with: ImageSource (one image as given) and
SourcesData (what the widget read from a request), and how initial values map onto them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile

from studio.generation import selectors
from studio.generation.models import Asset
from studio.uploads.images import PreparedImage


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
        return unique(line.strip() for line in self.urls.splitlines())


def unique(items) -> list:
    """Non-empty items, first occurrence kept, order kept."""
    seen: dict = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


def as_uuid(value: Any) -> uuid.UUID | None:
    """`value` as a UUID, or None when it is not one (a hand-edited hidden input)."""
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
        elif as_uuid(item) is not None:
            data.asset_ids.append(str(as_uuid(item)))
        elif isinstance(item, str) and item.strip():
            urls.append(item.strip())
    data.urls = "\n".join(urls)
    return data


def own_images(user: Any, asset_ids: list[uuid.UUID]):
    """The image assets among `asset_ids` that `user` may see (their own, their teams';
    role image, an image file)."""
    return selectors.visible_assets(user).filter(
        pk__in=asset_ids,
        role=Asset.Role.IMAGE,
        content_type__startswith="image/",
    )
