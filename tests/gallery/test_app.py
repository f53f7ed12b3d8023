"""The gallery app answers to the label "library": databases made before the package was
named `studio.gallery` keep their tables, migration history and content types."""

from __future__ import annotations

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

from studio.gallery.models import Collection, CollectionItem, Favourite


def test_the_label_tables_and_migrations_are_those_of_existing_databases():
    config = apps.get_app_config("library")

    assert config.name == "studio.gallery"
    assert [m._meta.db_table for m in (Favourite, Collection, CollectionItem)] == [
        "library_favourite",
        "library_collection",
        "library_collectionitem",
    ]
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    assert ("library", "0001_favourites_collections") in graph.nodes
