from __future__ import annotations

from django.urls import path

from studio.uploads import views

app_name = "uploads"

urlpatterns = [
    # Paths end in the file's extension: the provider wants a direct image link (docs/architecture.md "Pitfalls" §5).
    path("r/u/<str:token>/<uuid:object_id>.<str:ext>", views.public_upload, name="public_upload"),
    path("r/a/<str:token>/<uuid:object_id>.<str:ext>", views.public_asset, name="public_asset"),
    path("uploads/picker/", views.picker, name="picker"),
]
