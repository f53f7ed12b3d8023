"""django-q2 task entry points: thin, they take ids and call the worker (never keys).

Their dotted paths are named in enqueue.py, which queues them.
"""

from __future__ import annotations

from studio.generation import assets, imports, poller
from studio.generation import cancel as cancels
from studio.generation import submit as submits
from studio.generation.enqueue import enqueue_download, enqueue_poll


def submit(generation_id: str) -> str:
    """Submit, then start polling at once rather than at the next minute's schedule."""
    status = submits.generation_submit(generation_id)
    enqueue_poll("poll-after-submit")
    return status


def poll() -> int:
    """The poller: scheduled every minute and enqueued after each submit; one runs at a time."""
    return poller.poll_loop(start_download=enqueue_download)


def download(generation_id: str) -> bool:
    return assets.generation_download(generation_id)


def import_history(key_id: str) -> dict:
    """Create a generation per new history item (each provider's reader, imports.READERS),
    then start the poller for them."""
    try:
        result = imports.history_import(
            key_id, start_poll=lambda: enqueue_poll("poll-after-import")
        )
    except imports.ImportRefused as exc:
        result = imports.ImportResult(error=str(exc))
    return result.as_dict()


def cancel(generation_id: str) -> str:
    """Press Cancel Job at the provider, then poll soon so its FAIL is seen quickly."""
    outcome = cancels.cancel_send(generation_id)
    if outcome == "sent":
        enqueue_poll("poll-after-cancel")
    return outcome
