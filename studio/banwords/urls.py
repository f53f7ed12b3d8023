from __future__ import annotations

from django.urls import path

from studio.banwords.views import dry_run, provider, words

app_name = "banwords"
urlpatterns = [
    path("", words.index, name="index"),
    path("history/", words.history, name="history"),
    path("history/<int:number>/revert/", words.revert, name="revert"),
    path("dry-run/", dry_run.dry_run, name="dry_run"),
    path("provider/", provider.provider_list, name="provider"),
]
