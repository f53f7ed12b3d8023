from __future__ import annotations

from django.urls import include, path

from studio.accounts import views
from studio.accounts.views import keys, lab_account

urlpatterns = [
    # Before Django's own auth URLs: the same login and reset pages, rate-limited.
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("signup/", views.signup, name="signup"),
    path("keys/", keys.keys, name="keys"),
    path("keys/sandbox/", keys.key_sandbox, name="key_sandbox"),
    path("keys/imaginelab/", keys.key_lab, name="key_lab"),
    path("keys/imaginelab/sign-in/", keys.key_lab_sign_in, name="key_lab_sign_in"),
    path("keys/imaginelab/sandbox/", keys.key_lab_sandbox, name="key_lab_sandbox"),
    path("keys/imaginelab/sign-up/", lab_account.key_lab_sign_up, name="key_lab_sign_up"),
    path(
        "keys/imaginelab/forgot-password/",
        lab_account.key_lab_forgot_password,
        name="key_lab_forgot_password",
    ),
    path("keys/<uuid:key_id>/who-am-i/", lab_account.key_lab_who_am_i, name="key_lab_who_am_i"),
    path("keys/<uuid:key_id>/sign-in/", keys.key_lab_sign_in_again, name="key_lab_sign_in_again"),
    path("keys/<uuid:key_id>/rename/", keys.key_rename, name="key_rename"),
    path("keys/<uuid:key_id>/delete/", keys.key_delete, name="key_delete"),
    path("", include("django.contrib.auth.urls")),
]
