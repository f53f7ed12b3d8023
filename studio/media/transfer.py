"""Moving an existing studio's stored files into the configured storage (an object store):
`manage.py media_to_storage`.

Every file under the source folder (MEDIA_ROOT: results, thumbnails, uploads, sandbox
outputs) is copied under the same name, so the rows that name it stay right. Each copy is
read back and checked against the sha256 its row records (a generation asset's or an
upload's `file`), or against the source file's own sha256 when no row records one. A file
already in the storage with the right content is left alone, so the command is safe to run
twice and to interrupt: an object is written whole or not at all, and the next run copies
what is still missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import models

from studio.web.objectstore import STORE_ERRORS


@dataclass
class Outcome:
    """What a run did: names copied, already there (verified), and failures with a reason."""

    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # named by a row, in neither place


def recorded_hashes() -> dict[str, str]:
    """Stored name → sha256 for every model row that records the hash of its `file` (a
    FileField beside a `sha256` field: generation assets and uploads)."""
    hashes: dict[str, str] = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        file_field = model._meta.get_field("file") if "file" in names else None
        if "sha256" in names and isinstance(file_field, models.FileField):
            rows = model.objects.exclude(file="").values_list("file", "sha256").iterator()
            hashes.update((name, digest) for name, digest in rows if digest)
    return hashes


def named_files() -> Iterator[str]:
    """Every stored name any FileField of any model row holds."""
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField):
                rows = model.objects.exclude(**{f.name: ""}).values_list(f.name, flat=True)
                yield from rows.iterator()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_names(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path.relative_to(root).as_posix()


def _stored_digest(storage: Storage, name: str) -> str | None:
    """The sha256 of `name` in `storage`, None when it is not there."""
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return _digest(handle.read())


def copy_one(source: Path, target: Storage, name: str, expected: str | None) -> str:
    """Copy `source/name` to `target` under the same name unless it is there already with
    the expected content. Returns "copied" or "present"; raises ValueError (the source
    differs from its recorded sha256, or the copy read back differs) or a store error."""
    data = (source / name).read_bytes()
    actual = _digest(data)
    if expected and actual != expected:
        raise ValueError("the local file differs from its recorded sha256; not copied")
    expected = expected or actual
    there = _stored_digest(target, name)
    if there == expected:
        return "present"
    if there is not None:  # a copy cut short or stale: replace it
        target.delete(name)
    saved = target.save(name, ContentFile(data))
    if saved != name:
        target.delete(saved)
        raise ValueError(f"the storage kept it as {saved}")
    if _stored_digest(target, name) != expected:
        raise ValueError("the copy read back differs from its sha256")
    return "copied"


def media_to_storage(
    source: Path, target: Storage, *, report: Callable[[str, str], None] | None = None
) -> Outcome:
    """Copy every file under `source` into `target` (see the module's docstring).
    `report(name, what)` is told each file's outcome ("copied", "present" or a failure's
    reason) as it goes. Returns the Outcome; rows whose file is in neither place are listed
    in `missing`."""
    outcome = Outcome()
    hashes = recorded_hashes()
    for name in _source_names(source):
        try:
            what = copy_one(source, target, name, hashes.get(name))
        except (ValueError, *STORE_ERRORS) as exc:
            outcome.failed.append((name, str(exc)))
            what = f"FAILED: {exc}"
        else:
            (outcome.copied if what == "copied" else outcome.present).append(name)
        if report:
            report(name, what)
    for name in named_files():
        if not (source / name).is_file() and not target.exists(name):
            outcome.missing.append(name)
    return outcome
