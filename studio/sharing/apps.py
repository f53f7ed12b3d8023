from __future__ import annotations

from django.apps import AppConfig


class SharingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studio.sharing"
    verbose_name = "Share links"
