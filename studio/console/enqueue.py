"""Queueing the console's tasks: the dotted task names and the calls that queue them.

Imports nothing of the console, so the services can queue a task while the tasks module
(which calls the services) imports them at module level.
"""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

POLL_COMMAND = "studio.console.tasks.poll_command"


def enqueue_poll_command(command_id: int) -> None:
    """Queue the poll of a bot command's message once the command row is committed."""
    transaction.on_commit(
        lambda: async_task(
            POLL_COMMAND,
            int(command_id),
            task_name=f"console-command-{command_id}",
            q_options={"timeout": 90},
        )
    )
