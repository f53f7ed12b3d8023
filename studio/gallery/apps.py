from __future__ import annotations

from django.apps import AppConfig


class GalleryConfig(AppConfig):
    """The gallery. Its label stays "library", the app's earlier name: tables (library_*),
    migration history, content types and permissions of existing databases are unchanged."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "studio.gallery"
    label = "library"
    verbose_name = "Favourites and collections"
