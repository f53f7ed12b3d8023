from __future__ import annotations

from django.urls import path

from studio.console.views import audit, stub

app_name = "console"
urlpatterns = [
    path("", stub.index, name="index"),
    path("accounts/", stub.accounts, name="accounts"),
    path("tokens/", stub.tokens, name="tokens"),
    path("trace/", stub.trace, name="trace"),
    path("audit/", audit.audit, name="audit"),
    path("settings/", stub.settings, name="settings"),
]
