"""Root URLconf: the studio, the sandbox (the simulated providers, when
settings.SANDBOX_ENABLED) and the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

# The simulator is mounted only when installed (settings.SANDBOX_ENABLED).
sandbox = (
    [
        path("sandbox/imaginepro/", include("studio.sandbox.imaginepro.urls")),
        path("sandbox/imaginelab/", include("studio.sandbox.imaginelab.urls")),
    ]
    if settings.SANDBOX_ENABLED
    else []
)

urlpatterns = [
    path("", include("studio.generation.urls")),
    path("accounts/", include("studio.accounts.urls")),
    path("imaginelab/", include("studio.imaginelab.urls")),
    *sandbox,
    path("", include("studio.uploads.urls")),
    path("teams/", include("studio.teams.urls")),
    path("usage/", include("studio.credits.urls")),
    path("library/", include("studio.library.urls")),
    path("s/", include("studio.sharing.urls")),
    path("staff/ban-words/", include("studio.banwords.urls")),
    path("staff/", include("studio.console.urls")),
    path("admin/", admin.site.urls),
]
