"""Media helpers that are not tied to a Django app (video encoding and probing)."""

from __future__ import annotations
