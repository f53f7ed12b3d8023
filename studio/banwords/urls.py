from __future__ import annotations

from django.urls import path

from studio.banwords import views, views_provider

app_name = "banwords"
urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views.history, name="history"),
    path("history/<int:number>/revert/", views.revert, name="revert"),
    path("dry-run/", views.dry_run, name="dry_run"),
    path("provider/", views_provider.provider_list, name="provider"),
]
