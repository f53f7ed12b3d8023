from __future__ import annotations

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "studio.uploads"
    label = "uploads"
    verbose_name = "Uploads"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow refuses to open images above twice this many pixels (DecompressionBombError)
        # and warns above it; our own check refuses anything above it before decoding.
        # Process-wide on purpose: no code of ours should decode a bomb (TECH.md §5).
        Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
