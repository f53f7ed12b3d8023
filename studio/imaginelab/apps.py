from __future__ import annotations

from django.apps import AppConfig


class ImagineLabConfig(AppConfig):
    """The studio side of ImagineLab: its forms, wallet page, history import and deletes."""

    name = "studio.imaginelab"
    label = "imaginelab"
    verbose_name = "ImagineLab"
