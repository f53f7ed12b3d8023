from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "studio.sandbox"
    label = "sandbox"

    def ready(self) -> None:
        # A bad SANDBOX_FAULTS stops the start with a sentence (ImproperlyConfigured); the
        # faults are parsed in memory, nothing touches the database here.
        from . import faults

        faults.env_faults()
