from __future__ import annotations

from django.urls import path

from studio.teams import views

app_name = "teams"
urlpatterns = [
    path("", views.index, name="index"),
    path("switch/", views.switch, name="switch"),
    path("join/<str:token>/", views.invitation, name="invitation"),
    path("<uuid:team_id>/", views.detail, name="detail"),
    path("<uuid:team_id>/rename/", views.rename, name="rename"),
    path("<uuid:team_id>/delete/", views.delete, name="delete"),
    path("<uuid:team_id>/leave/", views.leave, name="leave"),
    path("<uuid:team_id>/invitations/", views.invite, name="invite"),
    path(
        "<uuid:team_id>/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "<uuid:team_id>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "<uuid:team_id>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<uuid:team_id>/keys/", views.key_add, name="key_add"),
    path("<uuid:team_id>/keys/sandbox/", views.key_sandbox, name="key_sandbox"),
    path("<uuid:team_id>/keys/imaginelab/", views.lab_key_add, name="lab_key_add"),
    path("<uuid:team_id>/keys/imaginelab/sign-in/", views.lab_sign_in, name="lab_sign_in"),
    path("<uuid:team_id>/keys/imaginelab/sandbox/", views.lab_sandbox, name="lab_sandbox"),
    path(
        "<uuid:team_id>/keys/<uuid:key_id>/sign-in/",
        views.lab_sign_in_again,
        name="lab_sign_in_again",
    ),
    path("<uuid:team_id>/keys/<uuid:key_id>/rename/", views.key_rename, name="key_rename"),
    path("<uuid:team_id>/keys/<uuid:key_id>/delete/", views.key_delete, name="key_delete"),
]
