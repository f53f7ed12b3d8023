"""Run `collectstatic` with the production storage into a throw-away STATIC_ROOT.

A template pointing at a missing static file is a 500 in production (the manifest storage
raises); collecting with that storage in CI catches broken references inside CSS early.

Usage (from the repo root; `make test` does this with dummy secrets and DEBUG=False):

    STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
        .venv/bin/python scripts/check_collectstatic.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    with tempfile.TemporaryDirectory(prefix="studio-static-") as static_root:
        # settings.py has no variable for STATIC_ROOT; the storage reads it lazily.
        settings.STATIC_ROOT = static_root
        call_command("collectstatic", interactive=False, verbosity=1)
        manifest = Path(static_root) / "staticfiles.json"
        backend = settings.STORAGES["staticfiles"]["BACKEND"]
        if "Manifest" in backend and not manifest.exists():
            print(f"collectstatic: {manifest.name} was not written", file=sys.stderr)
            return 1
        print(f"collectstatic: OK with {backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
