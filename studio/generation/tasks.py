"""django-q2 task entry points: thin, they take ids and call the worker (never keys)."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

from studio.generation import assets, worker

SUBMIT = "studio.generation.tasks.submit"
POLL = "studio.generation.tasks.poll"
DOWNLOAD = "studio.generation.tasks.download"


def enqueue_submit(generation_id) -> None:
    """Queue the submit once the current transaction commits (the row must exist first)."""
    transaction.on_commit(
        lambda: async_task(SUBMIT, str(generation_id), task_name=f"submit-{generation_id}")
    )


def enqueue_download(generation_id) -> None:
    async_task(DOWNLOAD, str(generation_id), task_name=f"download-{generation_id}")


def submit(generation_id: str) -> str:
    """Submit, then start polling at once rather than at the next minute's schedule."""
    status = worker.generation_submit(generation_id)
    async_task(POLL, task_name="poll-after-submit", q_options={"timeout": 90})
    return status


def poll() -> int:
    """The poller: scheduled every minute and enqueued after each submit; one runs at a time."""
    return worker.poll_loop(start_download=enqueue_download)


def download(generation_id: str) -> bool:
    return assets.generation_download(generation_id)
