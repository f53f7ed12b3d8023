"""django-q2 tasks of the console: thin, they take ids (never keys) and call services.
They are queued through studio.console.enqueue."""

from __future__ import annotations

from studio.console import services


def poll_command(command_id: int) -> str:
    """Wait for the bot's answer to one command (services.command_poll)."""
    return services.command_poll(command_id)
