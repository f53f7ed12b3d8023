from __future__ import annotations

from django.apps import AppConfig

from studio.web import simulator


class SandboxConfig(AppConfig):
    """The optional simulator of the providers (installed when settings.SANDBOX_ENABLED)."""

    name = "studio.sandbox"
    label = "sandbox"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which only load once
        # the app registry is ready.
        from . import faults, registration

        # A bad SANDBOX_FAULTS stops the start with a sentence (ImproperlyConfigured); the
        # faults are parsed in memory, nothing touches the database here.
        faults.env_faults()
        # The product reaches "use the sandbox" and the staff faults page only through this.
        simulator.register(registration.SIMULATOR)
