from __future__ import annotations

from django.apps import AppConfig


class ImagineLabConfig(AppConfig):
    """The studio side of ImagineLab: its forms, wallet page, history import and deletes."""

    name = "studio.imaginelab"
    label = "imaginelab"
    verbose_name = "ImagineLab"

    def ready(self) -> None:
        # Start-up order: the reader imports models, which load once the registry is ready.
        from studio.generation.imports import register_reader
        from studio.imaginelab import history

        register_reader("imaginelab", history)
