from __future__ import annotations

from django.urls import path

from studio.accounts.views import keys
from studio.teams import views

TEAM = {"owner": views.TeamKeys}  # whose keys the key views act on

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
    # The team's keys: the key views of a person's Keys page, acting for the team.
    path("<uuid:team_id>/keys/", keys.key_add, TEAM, name="key_add"),
    path("<uuid:team_id>/keys/sandbox/", keys.key_sandbox, TEAM, name="key_sandbox"),
    path("<uuid:team_id>/keys/imaginelab/", keys.key_lab, TEAM, name="lab_key_add"),
    path("<uuid:team_id>/keys/imaginelab/sign-in/", keys.key_lab_sign_in, TEAM, name="lab_sign_in"),
    path("<uuid:team_id>/keys/imaginelab/sandbox/", keys.key_lab_sandbox, TEAM, name="lab_sandbox"),
    path(
        "<uuid:team_id>/keys/<uuid:key_id>/sign-in/",
        keys.key_lab_sign_in_again,
        TEAM,
        name="lab_sign_in_again",
    ),
    path("<uuid:team_id>/keys/<uuid:key_id>/rename/", keys.key_rename, TEAM, name="key_rename"),
    path("<uuid:team_id>/keys/<uuid:key_id>/delete/", keys.key_delete, TEAM, name="key_delete"),
]
