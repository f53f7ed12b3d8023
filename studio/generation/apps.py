from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_poll_schedule(**kwargs) -> None:
    """The poller runs every minute (django-q2's finest schedule); idempotent by name."""
    # Start-up order: both import models, which cannot load while the app registry fills.
    from django_q.models import Schedule

    from studio.generation.enqueue import POLL

    Schedule.objects.update_or_create(
        name="poll-generations",
        defaults={
            "func": POLL,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
            "kwargs": "{'q_options': {'timeout': 90}}",
        },
    )


def ensure_prompt_index(using: str = "default", **kwargs) -> None:
    """SQLite drops a table's triggers when a migration rebuilds it: put back those of the
    prompt index (studio.generation.search)."""
    from studio.generation.search import ensure_prompt_index as ensure

    ensure(using)


class GenerationConfig(AppConfig):
    name = "studio.generation"
    label = "generation"

    def ready(self) -> None:
        # Imported here for start-up order: both import models, loaded after the registry.
        from studio.accounts.services import key_signed_in
        from studio.generation.receivers import team_files_delete, waiting_release
        from studio.teams.services import team_deleting

        post_migrate.connect(ensure_poll_schedule, sender=self)
        post_migrate.connect(ensure_prompt_index, sender=self)
        team_deleting.connect(team_files_delete, dispatch_uid="generation.team_files_delete")
        key_signed_in.connect(waiting_release, dispatch_uid="generation.waiting_release")
        # Start-up order: the reader imports models, which load once the registry is ready.
        from studio.generation import imaginepro_history
        from studio.generation.imports import register_reader

        register_reader("imaginepro", imaginepro_history)
