"""django-q2 task entry points: thin, they take ids and call the worker (never keys)."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

from studio.generation import assets, imports, worker

SUBMIT = "studio.generation.tasks.submit"
POLL = "studio.generation.tasks.poll"
DOWNLOAD = "studio.generation.tasks.download"
CANCEL = "studio.generation.tasks.cancel"
IMPORT = "studio.generation.tasks.import_history"


def enqueue_submit(generation_id) -> None:
    """Queue the submit once the current transaction commits (the row must exist first)."""
    transaction.on_commit(
        lambda: async_task(SUBMIT, str(generation_id), task_name=f"submit-{generation_id}")
    )


def enqueue_poll() -> None:
    """Start the poller now (e.g. after a new ImagineLab sign-in let waiting work go on)."""
    async_task(POLL, task_name="poll-now", q_options={"timeout": 90})


def enqueue_download(generation_id) -> None:
    async_task(DOWNLOAD, str(generation_id), task_name=f"download-{generation_id}")


def enqueue_cancel(generation_id) -> None:
    """Queue the Cancel Job press after commit (provider calls never run in a request)."""
    transaction.on_commit(
        lambda: async_task(CANCEL, str(generation_id), task_name=f"cancel-{generation_id}")
    )


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


def enqueue_import(key_id) -> str:
    """Queue an import of the key's history (ImaginePro: the last 24 hours; ImagineLab: its
    GET /generations); returns the django-q task id, whose result (ImportResult.as_dict())
    the gallery shows. Takes the key's id, never the key."""
    return async_task(IMPORT, str(key_id), task_name=f"import-{key_id}", q_options={"timeout": 150})


def import_history(key_id: str) -> dict:
    """Create a generation per new history item, then start the poller for them. An
    ImagineLab key's history comes from studio.imaginelab.history."""
    from studio.accounts.models import ProviderKey

    def start_poll():
        async_task(POLL, task_name="poll-after-import", q_options={"timeout": 90})

    key = ProviderKey.objects.filter(pk=key_id).only("provider").first()
    try:
        if key is not None and key.is_imaginelab:
            from studio.imaginelab.history import lab_history_import  # it imports this app

            result = lab_history_import(key_id, start_poll=start_poll)
        else:
            result = imports.history_import(key_id, start_poll=start_poll)
    except imports.ImportRefused as exc:
        result = imports.ImportResult(error=str(exc))
    return result.as_dict()


def cancel(generation_id: str) -> str:
    """Press Cancel Job at the provider, then poll soon so its FAIL is seen quickly."""
    from studio.generation import cancel as cancels  # it imports this module (to enqueue)

    outcome = cancels.cancel_send(generation_id)
    if outcome == "sent":
        async_task(POLL, task_name="poll-after-cancel", q_options={"timeout": 90})
    return outcome
