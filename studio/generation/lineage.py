"""The lineage of a generation: a tree from the first prompt through every button pressed.

docs/architecture.md "The path of a generation", step 7: each press, upscale, video, extension… is a child whose `parent` is the
generation it acted on, and `root` names the first generation of the tree, so the whole
tree is one query. A deleted generation in the middle leaves its children with no parent
(SET_NULL) but the same root: they hang from the top with a note. Only generations the
person may see (studio.teams.access) are in the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse

from studio.generation import buttons, selectors
from studio.generation.models import Action, Asset, Generation, Status
from studio.teams import access

# Parent hops followed before giving up (a tree is never this deep; guards bad data).
MAX_DEPTH = 200


def node_label(generation: Generation) -> str:
    """A short name for the step that made `generation`: "Midjourney" for a first prompt,
    the button pressed by its name (`buttons.name`: "Upscale 2", "Vary (Strong)", "Zoom out 2x",
    "Reroll", "Pan left"), "Video",
    "Upscale ×2", "Remove background"…"""
    if generation.action == Action.BUTTON:
        return buttons.name(generation.button)
    if generation.action == Action.VIDEO:
        return "Video"
    if generation.action == Action.UPSCALE:
        return generation.title
    if generation.action == Action.IMAGINE:
        if generation.params.get("tool") == "image-to-image":
            return "Image to image"
        return generation.get_model_display()
    return generation.get_action_display()


@dataclass
class Node:
    """One generation in the tree; `orphan` when its parent was deleted (or is not
    visible) and it hangs from the top instead."""

    generation: Generation
    children: list[Node] = field(default_factory=list)
    orphan: bool = False

    @property
    def label(self) -> str:
        return node_label(self.generation)

    @property
    def thumbnail(self) -> Asset | None:
        """The first stored image, else the first video (its thumbnail is the poster)."""
        found = self.generation.images or self.generation.videos
        return found[0] if found else None

    @property
    def continue_url(self) -> str:
        """Where "Continue from here" goes for a finished image: the detail page's buttons
        when it has some, else the Tools page with its first image; "" otherwise."""
        generation = self.generation
        if generation.status != Status.DONE or not generation.images:
            return ""
        if [b for b in generation.buttons if b != "Cancel Job"]:
            return f"{generation.get_absolute_url()}#actions"
        return f"{reverse('generation:tools')}?image={generation.images[0].pk}"

    def rows(self) -> list[Row]:
        """This node and every one under it, depth first, as rows a template renders as
        nested lists without recursion (a long chain of pans or zooms would overflow
        Python's stack through recursive includes)."""
        found: list[Row] = []
        stack: list[tuple[Node, int]] = [(self, 0)]
        while stack:
            node, depth = stack.pop()
            found.append(Row(node, depth))
            stack.extend((child, depth + 1) for child in reversed(node.children))
        for row, after in zip(found, [*found[1:], None], strict=True):
            if not row.node.children:
                row.closes = range(row.depth - (after.depth if after else 0))
        return found


@dataclass
class Row:
    """A node in reading order: `depth` (0 for the top) and, after a leaf, `closes`: how
    many enclosing lists end there (a range, for the template to loop over)."""

    node: Node
    depth: int
    closes: range = range(0)


def root_id_of(generation: Generation):
    """The id of the first generation of `generation`'s tree: its `root_id`, or, for a
    row without one (its root was deleted), the topmost ancestor found by walking
    `parent` (one query per hop)."""
    if generation.root_id:
        return generation.root_id
    current, seen = generation, {generation.pk}
    while current.parent_id and current.parent_id not in seen and len(seen) < MAX_DEPTH:
        seen.add(current.parent_id)
        parent = Generation.objects.only("pk", "parent_id", "root_id").get(pk=current.parent_id)
        if parent.root_id:
            return parent.root_id
        current = parent
    return current.pk


def _members(user: AbstractBaseUser, generation: Generation) -> list[Generation]:
    """The visible generations of `generation`'s tree, oldest first, with their files."""
    visible = selectors.visible_generations(user).prefetch_related("assets").order_by("created_at")
    root_id = root_id_of(generation)
    rows = list(visible.filter(Q(root_id=root_id) | Q(pk=root_id)))
    if any(row.root_id is None for row in rows) or not rows:
        # The root itself was deleted: its descendants kept no root (SET_NULL), so gather
        # them level by level through `parent` instead.
        found = {row.pk: row for row in rows}
        frontier = [root_id]
        for _ in range(MAX_DEPTH):
            level = [
                row
                for row in visible.filter(parent_id__in=frontier, root__isnull=True)
                if row.pk not in found
            ]
            if not level:
                break
            found.update((row.pk, row) for row in level)
            frontier = [row.pk for row in level]
        if generation.pk not in found and access.allowed(user, generation):
            found[generation.pk] = generation
        rows = sorted(found.values(), key=lambda row: row.created_at)
    return rows


def lineage_tree(user: AbstractBaseUser, generation: Generation) -> Node:
    """The tree `generation` belongs to, as `user` may see it, from its first prompt.

    One query (plus the prefetch of files) when the tree has its root. Children are in
    the order they were made. A node whose parent is missing from the tree (deleted, or
    not visible to `user`) is attached to the top with `orphan=True`. The caller has
    already checked that `user` may see `generation` (selectors.get_generation_for_user).
    """
    rows = _members(user, generation)
    nodes = {row.pk: Node(row) for row in rows}
    top = nodes.get(root_id_of(generation))
    if top is None:  # the first prompt is gone or hidden: the oldest parentless one leads
        top = next(
            (node for node in nodes.values() if node.generation.parent_id not in nodes),
            nodes.get(generation.pk) or Node(generation),
        )
    for node in nodes.values():
        if node is top:
            continue
        parent = nodes.get(node.generation.parent_id)
        if parent is None or parent is node:
            node.orphan = True
            top.children.append(node)
        else:
            parent.children.append(node)
    return top


def settings_source(user: AbstractBaseUser, generation: Generation) -> Generation | None:
    """The generation whose form settings "Reuse settings" should open: `generation` when
    a form made it, else its nearest ancestor that a form made (a button press reuses the
    first prompt's settings). None when there is none `user` may see."""
    current, hops = generation, 0
    while current is not None and hops < MAX_DEPTH:
        if current.form_url and access.allowed(user, current):
            return current
        current, hops = current.parent, hops + 1
    return None
