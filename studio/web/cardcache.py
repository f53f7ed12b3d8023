"""The finished gallery cards' HTML, shared by every process of one machine.

Each web worker used to keep its own copy in memory, so a restarted or freshly forked worker
drew every card again (a few milliseconds each: 96 of them are most of a page's time). Here
the copy is a file per card under the studio's var/ directory (Django's file-based cache), so
one worker's drawing serves all the others and survives a restart. A card's key names
everything it shows (studio.gallery.templatetags.cards), so a shared copy is never stale.

Django's file cache lists its whole directory on every write to decide whether to cull; with
thousands of cards that listing is most of a write. `SharedCardCache` looks once in
CULL_EVERY writes instead (the directory may pass MAX_ENTRIES by at most that many files).
It also keeps the cards it read or wrote in this process's memory (LOCAL_ENTRIES, for at
most LOCAL_SECONDS), so a warm worker reads no file: a file costs an open and an unzip.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 200
LOCAL_ENTRIES = 5000
LOCAL_SECONDS = 300
_MISSING = object()


class SharedCardCache(FileBasedCache):
    """Django's FileBasedCache that checks its size on one write in CULL_EVERY, with the
    entries this process used in memory in front of it (a card's key names everything it
    shows, so a copy is never stale: it only expires)."""

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._local: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._local_lock = threading.Lock()  # gthread workers share the process

    def _remember(self, key: str, value, seconds: float) -> None:
        with self._local_lock:
            self._local[key] = (time.time() + seconds, value)
            self._local.move_to_end(key)
            while len(self._local) > LOCAL_ENTRIES:
                self._local.popitem(last=False)

    def get(self, key, default=None, version=None):
        full = self.make_and_validate_key(key, version=version)
        with self._local_lock:
            found = self._local.get(full)
        if found is not None and found[0] > time.time():
            return found[1]
        value = super().get(key, _MISSING, version)
        if value is _MISSING:
            return default
        self._remember(full, value, LOCAL_SECONDS)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        super().set(key, value, timeout, version)
        seconds = self.get_backend_timeout(timeout)
        seconds = LOCAL_SECONDS if seconds is None else min(seconds - time.time(), LOCAL_SECONDS)
        if seconds > 0:
            self._remember(self.make_and_validate_key(key, version=version), value, seconds)

    def delete(self, key, version=None):
        with self._local_lock:
            self._local.pop(self.make_and_validate_key(key, version=version), None)
        return super().delete(key, version)

    def clear(self):
        with self._local_lock:
            self._local.clear()
        super().clear()

    def _cull(self) -> None:
        if random.randrange(CULL_EVERY) == 0:
            super()._cull()


def card_cache(kind: str, redis_url: str, var_dir: Path) -> dict:
    """The "cards" entry of CACHES for CARD_CACHE=`kind`: "files" (the default, even with
    Redis: var/cache/cards or CARD_CACHE_DIR, shared by the machine's processes, with each
    process's memory in front), "redis" (REDIS_URL's, shared by every machine, but one round
    trip per card), or "memory" (each process its own, as tests use)."""
    kind = kind or "files"
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
