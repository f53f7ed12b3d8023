"""ImagineLab sandbox routes, mounted at `sandbox/imaginelab/`: the API under `api/v1/`
(the ImagineLab API's paths, docs/provider-contract.md §8), output files under `files/`."""

from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "sandbox_imaginelab"

urlpatterns = [
    path("", views.index, name="index"),
    path("api/v1/auth/login", views.login, name="login"),
    path("api/v1/auth/signup", views.signup, name="signup"),
    path("api/v1/auth/forgot-password", views.forgot_password, name="forgot-password"),
    path("api/v1/auth/me", views.me, name="me"),
    # `models` before `<id>`: both are one path segment after generations/.
    path("api/v1/generations/models", views.models, name="models"),
    path("api/v1/generations", views.generations, name="generations"),
    path("api/v1/generations/<str:generation_id>", views.generation, name="generation"),
    path(
        "api/v1/generations/<str:generation_id>/status",
        views.generation_status,
        name="generation-status",
    ),
    path("api/v1/credits/wallet", views.wallet, name="wallet"),
    path("api/v1/credits/packages", views.packages, name="packages"),
    path("files/<uuid:file_key>/<str:name>", views.file, name="file"),
    re_path(r"^api/v1(?:/.*)?$", views.not_found, name="api-not-found"),
]
