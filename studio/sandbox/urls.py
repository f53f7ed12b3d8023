"""Sandbox routes. Mounted at `sandbox/imaginepro/`: API base `…/api/v1`, files `…/cdn/`.

Both ImaginePro path families are served identically (imaginepro.md §9 items 1–2).
"""

from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    # Midjourney: current docs/SDK family ("nova") and the older/S000 family ("midjourney").
    path("api/v1/nova/imagine", views.imagine, {"endpoint": "nova/imagine"}, name="nova-imagine"),
    path(
        "api/v1/midjourney/imagine",
        views.imagine,
        {"endpoint": "midjourney/imagine"},
        name="midjourney-imagine",
    ),
    path("api/v1/nova/button", views.button, {"endpoint": "nova/button"}, name="nova-button"),
    path(
        "api/v1/midjourney/button",
        views.button,
        {"endpoint": "midjourney/button"},
        name="midjourney-button",
    ),
    path(
        "api/v1/flux/imagine",
        views.flux_imagine,
        {"endpoint": "flux/imagine"},
        name="flux-imagine",
    ),
    path("api/v1/message/fetch/<str:message_id>", views.message, name="message-fetch"),
    path("api/v1/midjourney/message/<str:message_id>", views.message, name="midjourney-message"),
    path("api/v1/subscription/account-info", views.subscription_info, name="account-info"),
    path("cdn/<uuid:message_id>/<str:name>", views.cdn, name="cdn"),
    # Anything else under the API answers like NestJS does for an unknown route.
    re_path(r"^api/v1(?:/.*)?$", views.not_found, name="api-not-found"),
]
