from __future__ import annotations

from django.urls import include, path

from studio.accounts import views

urlpatterns = [
    # Before Django's own auth URLs: the same login page, rate-limited.
    path("login/", views.LoginView.as_view(), name="login"),
    path("signup/", views.signup, name="signup"),
    path("keys/", views.keys, name="keys"),
    path("keys/sandbox/", views.key_sandbox, name="key_sandbox"),
    path("keys/imaginelab/", views.key_lab, name="key_lab"),
    path("keys/imaginelab/sign-in/", views.key_lab_sign_in, name="key_lab_sign_in"),
    path("keys/imaginelab/sandbox/", views.key_lab_sandbox, name="key_lab_sandbox"),
    path("keys/<uuid:key_id>/sign-in/", views.key_lab_sign_in_again, name="key_lab_sign_in_again"),
    path("keys/<uuid:key_id>/rename/", views.key_rename, name="key_rename"),
    path("keys/<uuid:key_id>/delete/", views.key_delete, name="key_delete"),
    path("", include("django.contrib.auth.urls")),
]
