"""Selected generations as one ZIP: their stored images and videos (not the thumbnails),
named so a person can tell them apart: `<date>-<prompt-slug>-<n>.<ext>`.

The archive is written into a temporary file and streamed from there, so a large selection
never sits in memory.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch
from django.utils.text import slugify

from studio.gallery.services import LibraryError
from studio.generation import buttons, selectors
from studio.generation.models import Action, Asset

log = logging.getLogger(__name__)

ZIP_MAX_ITEMS = 100  # generations per archive
SLUG_MAX = 50  # characters of the prompt kept in a file name
# Already compressed: storing them again costs time and saves nothing.
_STORED_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif", "video/")


def zip_name(generation, asset) -> str:
    """`2026-11-21-a-lighthouse-at-dusk-1.png`: the day it was made, its prompt (or its
    title when it has none) and the file's number in the generation; a button press adds
    the button's name (`2026-11-21-a-lighthouse-at-dusk-pan-left-1.png`)."""
    slug = slugify(generation.prompt)[:SLUG_MAX].strip("-")
    if not slug:
        slug = slugify(generation.title)
    elif generation.action == Action.BUTTON:
        slug = f"{slug}-{slugify(buttons.name(generation.button))}"
    ext = asset.file.name.rsplit(".", 1)[-1] if "." in asset.file.name else "bin"
    return f"{generation.created_at:%Y-%m-%d}-{slug or 'generation'}-{asset.index}.{ext}"


def zip_build(user: AbstractBaseUser, generation_ids: Iterable) -> tuple[IO[bytes], int]:
    """Write the stored files of the chosen generations that `user` may see into a
    temporary file (deleted when closed) and return it rewound, with the number of files.

    Raises LibraryError when nothing was chosen, more than ZIP_MAX_ITEMS were, or none of
    them has a stored file.
    """
    ids = list(dict.fromkeys(generation_ids))
    if not ids:
        raise LibraryError("Choose the generations to download first.")
    if len(ids) > ZIP_MAX_ITEMS:
        raise LibraryError(
            f"A ZIP holds at most {ZIP_MAX_ITEMS} generations and {len(ids)} are chosen: "
            "download them in smaller groups."
        )
    files = Asset.objects.filter(role__in=(Asset.Role.IMAGE, Asset.Role.VIDEO)).order_by(
        "role", "index"
    )
    generations = (
        selectors.visible_generations(user)
        .filter(pk__in=ids)
        .order_by("created_at")
        .prefetch_related(Prefetch("assets", queryset=files, to_attr="zip_files"))
    )
    archive = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 (returned open; FileResponse closes it)
    count, used = 0, set()
    try:
        with zipfile.ZipFile(archive, "w", allowZip64=True) as out:
            for generation in generations:
                for asset in generation.zip_files:
                    name = zip_name(generation, asset)
                    stem, dot, ext = name.rpartition(".")
                    number = 2
                    while name in used:  # same day, same prompt
                        name = f"{stem}-{number}{dot}{ext}"
                        number += 1
                    used.add(name)
                    compress = (
                        zipfile.ZIP_STORED
                        if asset.content_type.startswith(_STORED_TYPES)
                        else zipfile.ZIP_DEFLATED
                    )
                    info = zipfile.ZipInfo(name, date_time=generation.created_at.timetuple()[:6])
                    info.compress_type = compress
                    try:
                        source = asset.file.open("rb")
                    except FileNotFoundError:
                        log.warning("stored file %s is missing; left out of a ZIP", asset.file)
                        continue
                    with source, out.open(info, "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)
                    count += 1
    except BaseException:
        archive.close()
        raise
    if not count:
        archive.close()
        raise LibraryError("None of the chosen generations has a stored file yet.")
    archive.seek(0)
    return archive, count
