from __future__ import annotations

from django.apps import AppConfig


class BanwordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studio.banwords"
    verbose_name = "Banned words"
