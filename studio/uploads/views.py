"""Public image links for providers, and the gallery picker of the image-sources widget."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_safe

from studio.generation import selectors
from studio.generation.models import Asset
from studio.uploads.models import Upload
from studio.uploads.public import file_extension, token_is_valid

PICKER_PAGE_SIZE = 24


def _serve(field: FieldFile, content_type: str, filename: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except OSError as exc:  # the row outlived its file: still "not found", never a 500
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def public_upload(request, token: str, object_id: uuid.UUID, ext: str):
    """An upload's file for whoever holds a valid link (the provider): no session needed.
    A bad, expired or mismatched token, a wrong extension or a missing row: the same 404."""
    upload = Upload.objects.filter(pk=object_id).first()
    if not token_is_valid("upload", object_id, token) or upload is None or ext != "jpg":
        raise Http404
    return _serve(upload.file, upload.content_type, f"{object_id}.jpg")


@require_safe
def public_asset(request, token: str, object_id: uuid.UUID, ext: str):
    """A generation asset's main file for whoever holds a valid link; as public_upload."""
    asset = Asset.objects.filter(pk=object_id).first()
    if (
        not token_is_valid("asset", object_id, token)
        or asset is None
        or ext != file_extension(asset.file.name)
    ):
        raise Http404
    return _serve(asset.file, asset.content_type, f"{object_id}.{ext}")


@login_required
@require_GET
def picker(request):
    """The stored images of the current workspace, newest first, PICKER_PAGE_SIZE at a time, as buttons the
    sources widget turns into picks. Page 1 is the dialog's content; later pages ("Load
    more", ?page=N) are the `items` partial that replaces the "Load more" row."""
    assets = (
        selectors.workspace_assets(request.workspace, request.user)
        .filter(
            role=Asset.Role.IMAGE,
            content_type__startswith="image/",
        )
        .select_related("generation")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(assets, PICKER_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "uploads/_picker.html"
    if page.number > 1:
        template += "#items"
    return TemplateResponse(request, template, {"page": page})
