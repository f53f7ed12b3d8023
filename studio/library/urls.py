from __future__ import annotations

from django.urls import path

from studio.library import views

app_name = "library"
urlpatterns = [
    path("favourite/<uuid:generation_id>/", views.favourite, name="favourite"),
    path("collections/", views.collections, name="collections"),
    path("collections/<uuid:collection_id>/", views.collection, name="collection"),
    path(
        "collections/<uuid:collection_id>/rename/",
        views.collection_rename,
        name="collection_rename",
    ),
    path(
        "collections/<uuid:collection_id>/delete/",
        views.collection_delete,
        name="collection_delete",
    ),
    path(
        "collections/<uuid:collection_id>/remove/",
        views.collection_remove,
        name="collection_remove",
    ),
    path("add/", views.collection_add, name="collection_add"),
    path("zip/", views.zip_download, name="zip"),
    path("delete/", views.delete, name="delete"),
]
