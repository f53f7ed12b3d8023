"""The finished gallery cards' HTML, shared by every process of one machine.

Each web worker used to keep its own copy in memory, so a restarted or freshly forked worker
drew every card again (a few milliseconds each: 96 of them are most of a page's time). Here
the copy is a file per card under the studio's var/ directory (Django's file-based cache), so
one worker's drawing serves all the others and survives a restart. A card's key names
everything it shows (studio.gallery.templatetags.cards), so a shared copy is never stale.

Django's file cache lists its whole directory on every write to decide whether to cull; with
thousands of cards that listing is most of a write. `SharedCardCache` looks once in
CULL_EVERY writes instead (the directory may pass MAX_ENTRIES by at most that many files).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 200


class SharedCardCache(FileBasedCache):
    """Django's FileBasedCache that checks its size on one write in CULL_EVERY."""

    def _cull(self) -> None:
        if random.randrange(CULL_EVERY) == 0:
            super()._cull()


def card_cache(kind: str, redis_url: str, var_dir: Path) -> dict:
    """The "cards" entry of CACHES for CARD_CACHE=`kind`: "files" (the default without
    Redis: var/cache/cards, or CARD_CACHE_DIR), "redis" (the default with REDIS_URL), or
    "memory" (each process its own, as tests use)."""
    kind = kind or ("redis" if redis_url else "files")
    if kind == "redis" and redis_url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "studio") + "-cards",
        }
    if kind == "memory":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "cards",
            "OPTIONS": {"MAX_ENTRIES": int(os.getenv("CACHE_MAX_ENTRIES") or 5000)},
        }
    return {
        "BACKEND": "studio.web.cardcache.SharedCardCache",
        "LOCATION": os.getenv("CARD_CACHE_DIR") or str(var_dir / "cache" / "cards"),
        "OPTIONS": {"MAX_ENTRIES": int(os.getenv("CARD_CACHE_MAX_ENTRIES") or 50_000)},
    }
