"""Queueing generation work for the django-q2 cluster.

Imports nothing of the studio: the tasks are named by their dotted paths (django-q2 resolves
a string `func` when the task runs), so any module may queue work without importing the
modules that do it. Every helper takes ids, never keys.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, transaction
from django_q.conf import Conf
from django_q.tasks import async_task

SUBMIT = "studio.generation.tasks.submit"
POLL = "studio.generation.tasks.poll"
DOWNLOAD = "studio.generation.tasks.download"
CANCEL = "studio.generation.tasks.cancel"
IMPORT = "studio.generation.tasks.import_history"

POLL_OPTIONS = {"timeout": 90}  # seconds; a poll loop runs POLL_LOOP_SECONDS at most
# Routine tasks leave no record when they succeed (failures are kept, as for every task):
# django-q2 records a success with a pruning transaction and an insert (save_limit) before
# it deletes the queue row, three writes per task where the delete is enough, and a burst of
# downloads waits on each of them for SQLite's one write lock.
ROUTINE = {"save": False}


def with_the_row(queue) -> None:
    """Run `queue` (a call that queues a task for a row this transaction writes) so the
    cluster never sees the task before the row. With django-q2's ORM broker on the studio's
    own database, at once: the task's row joins the caller's transaction, so the job and
    its task commit together (or neither does) in one write instead of two. With another
    broker (Redis), once the transaction commits."""
    if Conf.ORM == DEFAULT_DB_ALIAS:
        queue()
    else:
        transaction.on_commit(queue)


def enqueue_submit(generation_id) -> None:
    """Queue the submit with the row that the current transaction creates (`with_the_row`)."""
    with_the_row(
        lambda: async_task(
            SUBMIT, str(generation_id), task_name=f"submit-{generation_id}", **ROUTINE
        )
    )


def enqueue_poll(task_name: str = "poll-now") -> None:
    """Start the poller now (after a submit, an import, a cancel, or a new ImagineLab sign-in
    that let waiting work go on); `task_name` says why in the cluster's log."""
    async_task(POLL, task_name=task_name, q_options={**POLL_OPTIONS, **ROUTINE})


def enqueue_download(generation_id) -> None:
    """Queue the download of a generation's results (it is DOWNLOADING)."""
    async_task(DOWNLOAD, str(generation_id), task_name=f"download-{generation_id}", **ROUTINE)


def enqueue_cancel(generation_id) -> None:
    """Queue the Cancel Job press with the change that asks for it (`with_the_row`; provider
    calls never run in a request)."""
    with_the_row(
        lambda: async_task(CANCEL, str(generation_id), task_name=f"cancel-{generation_id}")
    )


def enqueue_import(key_id) -> str:
    """Queue an import of the key's history (ImaginePro: the last 24 hours; ImagineLab: its
    GET /generations); returns the django-q task id, whose result (ImportResult.as_dict())
    the gallery shows. Takes the key's id, never the key."""
    return async_task(IMPORT, str(key_id), task_name=f"import-{key_id}", q_options={"timeout": 150})
