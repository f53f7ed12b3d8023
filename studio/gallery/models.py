"""Favourites (per person) and collections (per workspace) of generations.

A collection belongs to a workspace: `team` None is its owner's personal collection, seen by
them alone; a team collection is seen by every member of the team and changed by its
creators and owners (the rules are `studio.teams.access`'s, applied in `services`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Favourite(models.Model):
    """A star one person put on one generation (each person has their own)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    generation = models.ForeignKey(
        "generation.Generation", on_delete=models.CASCADE, related_name="favourites"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "generation"], name="one_favourite_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.generation_id}"


class Collection(models.Model):
    """A named set of generations in one workspace (`team` None: personal to `owner`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="collections"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    generations = models.ManyToManyField(
        "generation.Generation", through="CollectionItem", related_name="collections"
    )

    class Meta:
        ordering = ["name", "created_at"]
        indexes = [models.Index(fields=["team", "owner"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("library:collection", args=[self.pk])


class CollectionItem(models.Model):
    """One generation in one collection (at most once)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    generation = models.ForeignKey(
        "generation.Generation", on_delete=models.CASCADE, related_name="collection_items"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "generation"], name="one_item_per_collection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.generation_id} in {self.collection_id}"
