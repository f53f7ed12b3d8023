from __future__ import annotations

from django.urls import path

from studio.imaginelab import views

app_name = "imaginelab"

urlpatterns = [
    path("new/<slug:generation_type>/", views.lab_new, name="new"),
    path("models/refresh/", views.models_refresh, name="models_refresh"),
    path("credits/", views.credits_page, name="credits"),
    path("g/<uuid:generation_id>/delete/", views.delete, name="delete"),
]
