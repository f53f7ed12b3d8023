from __future__ import annotations

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "studio.media"
    label = "media"

    def ready(self) -> None:
        from django.core import checks

        from studio.media.checks import object_store_check

        checks.register(object_store_check, "storage")
