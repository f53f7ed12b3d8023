from __future__ import annotations

from django.urls import path

from studio.generation import views

app_name = "generation"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("new/midjourney/", views.midjourney_new, name="midjourney_new"),
    path("new/midjourney/preview/", views.midjourney_preview, name="midjourney_preview"),
    path("new/flux/", views.flux_new, name="flux_new"),
    path("g/<uuid:generation_id>/", views.detail, name="detail"),
    path("g/<uuid:generation_id>/card/", views.card, name="card"),
    path("g/<uuid:generation_id>/press/", views.press, name="press"),
    path("a/<uuid:asset_id>/<str:kind>/", views.asset_file, name="asset"),
]
