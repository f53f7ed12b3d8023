"""django-q2 tasks of the console: thin, they take ids (never keys) and call services."""

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


def poll_command(command_id: int) -> str:
    """Wait for the bot's answer to one command (services.command_poll)."""
    from studio.console import services

    return services.command_poll(command_id)
