from __future__ import annotations

from django.urls import path

from studio.credits import views

app_name = "credits"
urlpatterns = [
    path("", views.usage_page, name="usage"),
    path("teams/<uuid:team_id>/budgets/", views.budgets_page, name="budgets"),
]
