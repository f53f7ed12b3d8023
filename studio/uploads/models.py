"""Images people uploaded for a provider to fetch (reference images, video frames)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def _upload_path(upload: Upload, filename: str) -> str:
    # A random name, never the person's: the stored name appears in no URL either.
    return f"uploads/{upload.id.hex}.jpg"


class Upload(models.Model):
    """One uploaded image, re-encoded to JPEG (studio.uploads.images.prepare_image).

    width/height: pixels of the stored file; bytes: its size; sha256: hex digest of the
    stored bytes (the same image uploaded twice by one person reuses the row);
    original_name: the person's file name, truncated, for display only.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    file = models.FileField(upload_to=_upload_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    content_type = "image/jpeg"  # every stored upload is re-encoded to JPEG

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "sha256"])]

    def __str__(self) -> str:
        return f"{self.original_name or self.id} ({self.width}×{self.height})"
