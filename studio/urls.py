"""Root URLconf: the studio, the sandbox (the simulated provider) and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("studio.generation.urls")),
    path("accounts/", include("studio.accounts.urls")),
    path("imaginelab/", include("studio.imaginelab.urls")),
    path("sandbox/imaginepro/", include("studio.sandbox.urls")),
    path("sandbox/imaginelab/", include("studio.sandbox.imaginelab.urls")),
    path("", include("studio.uploads.urls")),
    path("teams/", include("studio.teams.urls")),
    path("usage/", include("studio.credits.urls")),
    path("library/", include("studio.library.urls")),
    path("s/", include("studio.sharing.urls")),
    path("staff/ban-words/", include("studio.banwords.urls")),
    path("staff/", include("studio.console.urls")),
    path("admin/", admin.site.urls),
]
