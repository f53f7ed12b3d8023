"""The gallery's URLs. `urlpatterns`: favourites, collections and the selection bar, under
/library/ in the "library" namespace. `wall_patterns`: the wall, a live card, the
lightbox's panel, the prompt bar and its Compare page, which the root URLconf puts in the "generation" namespace at the site's
root (their names and paths predate this app)."""

from __future__ import annotations

from django.urls import path

from studio.gallery.views import bar, collections, compare, lightbox, live, wall

app_name = "library"
urlpatterns = [
    path("favourite/<uuid:generation_id>/", collections.favourite, name="favourite"),
    path("collections/", collections.collections, name="collections"),
    path("collections/<uuid:collection_id>/", collections.collection, name="collection"),
    path(
        "collections/<uuid:collection_id>/rename/",
        collections.collection_rename,
        name="collection_rename",
    ),
    path(
        "collections/<uuid:collection_id>/delete/",
        collections.collection_delete,
        name="collection_delete",
    ),
    path(
        "collections/<uuid:collection_id>/remove/",
        collections.collection_remove,
        name="collection_remove",
    ),
    path("add/", collections.collection_add, name="collection_add"),
    path("zip/", collections.zip_download, name="zip"),
    path("delete/", collections.delete, name="delete"),
]

wall_patterns = [
    path("", wall.gallery, name="gallery"),
    path("g/<uuid:generation_id>/card/", wall.card, name="card"),
    path("live/", live.live, name="live"),
    path("cards/", live.cards, name="cards"),
    path("g/<uuid:generation_id>/panel/", lightbox.panel, name="lightbox"),
    path("g/<uuid:generation_id>/compare/", compare.compare, name="compare"),
    path("bar/", bar.submit, name="bar_submit"),
    path("bar/quote/", bar.quote, name="bar_quote"),
]
