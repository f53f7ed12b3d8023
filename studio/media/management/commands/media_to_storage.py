"""`python manage.py media_to_storage [--from FOLDER]`: copy every stored file into the
configured storage (studio.media.transfer)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from studio.media.transfer import media_to_storage
from studio.web.objectstore import is_object_store


class Command(BaseCommand):
    help = (
        "Copy every stored file (results, thumbnails, uploads, sandbox outputs) from the local "
        "media folder to the configured storage, verifying each by its sha256. Safe to run "
        "twice and to interrupt."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            default=str(settings.MEDIA_ROOT),
            help="the folder the files are in now (default: MEDIA_ROOT)",
        )

    def handle(self, *args, source: str, verbosity: int, **options):
        root = Path(source).resolve()
        if not root.is_dir():
            raise CommandError(f"There is no folder {root} to copy files from.")
        local = getattr(default_storage, "location", None)
        if not is_object_store(default_storage) and local and Path(local).resolve() == root:
            self.stdout.write(
                f"The configured storage is {root} itself: nothing to copy. Set "
                'STORAGE_BACKEND=s3 (README "Several machines") and run this again.'
            )
            return

        def report(name: str, what: str) -> None:
            if what.startswith("FAILED"):
                self.stderr.write(f"{name}: {what}")
            elif verbosity >= 2 or (verbosity >= 1 and what == "copied"):
                self.stdout.write(f"{name}: {what}")

        target = getattr(default_storage, "bucket_name", None) or local
        self.stdout.write(f"Copying the files of {root} to {target}…")
        outcome = media_to_storage(root, default_storage, report=report)
        self.stdout.write(
            f"{len(outcome.copied)} copied and verified, {len(outcome.present)} already there "
            f"(verified), {len(outcome.failed)} failed."
        )
        for name in outcome.missing:
            self.stderr.write(f"{name}: named by a row but in neither place")
        if outcome.missing:
            self.stderr.write(f"{len(outcome.missing)} files named by rows were found nowhere.")
        if outcome.failed:
            raise CommandError(
                f"{len(outcome.failed)} files were not copied (see above); run the command "
                "again once the reason is fixed."
            )
