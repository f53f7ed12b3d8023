"""Root URLconf: the studio, the sandbox (the simulated providers, when
settings.SANDBOX_ENABLED) and the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from studio.gallery import urls as gallery_urls
from studio.generation import urls as generation_urls

# The gallery's wall, its live cards and the lightbox keep their names in the "generation"
# namespace ("generation:gallery" …): the namespace is put together here, above both apps.
generation_namespace = (gallery_urls.wall_patterns + generation_urls.urlpatterns, "generation")

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
    # Browsers and feed readers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path(
        "favicon.ico",
        lambda request: HttpResponsePermanentRedirect(static("favicon.svg")),
        name="favicon",
    ),
    path("", include(generation_namespace)),
    path("accounts/", include("studio.accounts.urls")),
    path("imaginelab/", include("studio.imaginelab.urls")),
    *sandbox,
    path("", include("studio.uploads.urls")),
    path("teams/", include("studio.teams.urls")),
    path("usage/", include("studio.credits.urls")),
    path("library/", include("studio.gallery.urls")),
    path("s/", include("studio.sharing.urls")),
    path("staff/ban-words/", include("studio.banwords.urls")),
    path("staff/", include("studio.console.urls")),
    path("admin/", admin.site.urls),
]
