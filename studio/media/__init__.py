"""Media plumbing: video encoding and probing (video.py), and the file store itself: the
start-up check of an object store (checks.py) and moving stored files into it
(transfer.py, `manage.py media_to_storage`)."""

from __future__ import annotations
