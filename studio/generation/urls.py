from __future__ import annotations

from django.urls import path

from studio.generation.views import create, gallery

app_name = "generation"

urlpatterns = [
    path("", gallery.gallery, name="gallery"),
    path("new/midjourney/", create.midjourney_new, name="midjourney_new"),
    path("new/midjourney/preview/", create.midjourney_preview, name="midjourney_preview"),
    path("new/flux/", create.flux_new, name="flux_new"),
    path("g/<uuid:generation_id>/", gallery.detail, name="detail"),
    path("g/<uuid:generation_id>/card/", gallery.card, name="card"),
    path("g/<uuid:generation_id>/press/", gallery.press, name="press"),
    path("a/<uuid:asset_id>/<str:kind>/", gallery.asset_file, name="asset"),
]
