from __future__ import annotations

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "studio.uploads"
    label = "uploads"
    verbose_name = "Uploads"
