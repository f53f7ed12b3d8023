"""The image-sources widget: drop zone, previews, gallery dialog, links textarea
(templates/uploads/_sources.html, static/js/sources.js)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat, truncatechars
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from studio.uploads.images import ACCEPTED_CONTENT_TYPES
from studio.uploads.sources import SourcesData, as_sources_data, as_uuid, own_images, unique


def _getlist(data: Any, key: str) -> list:
    if data is None:
        return []
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


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
        ids = [i for i in (as_uuid(a) for a in unique(asset_ids)) if i]
        if not ids or self.user is None or not self.user.is_authenticated:
            return []
        found = {a.pk: a for a in own_images(self.user, ids).select_related("generation")}
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
