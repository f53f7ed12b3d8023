"""Root URLconf: the studio, the sandbox (the simulated provider) and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("studio.generation.urls")),
    path("accounts/", include("studio.accounts.urls")),
    path("sandbox/imaginepro/", include("studio.sandbox.urls")),
    path("", include("studio.uploads.urls")),
    path("admin/", admin.site.urls),
]
