from __future__ import annotations

from django.apps import AppConfig


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studio.credits"
    verbose_name = "Credits and budgets"
