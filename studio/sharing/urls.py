from __future__ import annotations

from django.urls import path

from studio.sharing import views

app_name = "sharing"
urlpatterns = [
    path("new/", views.create, name="create"),
    path("links/", views.links, name="links"),
    path("links/<int:link_id>/revoke/", views.revoke, name="revoke"),
    # Tokens are 43 characters, so they never meet the names above.
    path("<str:token>/", views.public, name="public"),
    path("<str:token>/a/<uuid:asset_id>/<str:kind>/", views.public_asset, name="asset"),
]
