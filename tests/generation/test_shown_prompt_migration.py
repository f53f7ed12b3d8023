"""Image-to-image jobs made before the shown prompt was kept apart read their typed text
after the migration; the request body keeps the link it was sent with."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studio.generation.models import Generation, Model

BEFORE = ("generation", "0010_generation_batch")


def model_before():
    """Generation as the database has it at BEFORE (later fields are not there yet)."""
    state = MigrationExecutor(connection).loader.project_state(BEFORE)
    return state.apps.get_model("generation", "Generation")


SENT = "https://studio.example/r/a/signed-token/ the same apple in winter --relax"


@pytest.mark.django_db(transaction=True)
def test_an_old_image_to_image_reads_its_typed_text(alice):
    call_command("migrate", *BEFORE, verbosity=0)
    Old = model_before()
    old = Old.objects.create(
        user_id=alice.pk,
        model=Model.MIDJOURNEY,
        prompt=SENT,
        request_body={"prompt": SENT},
        params={"tool": "image-to-image", "prompt": "the same apple in winter", "speed": "relax"},
    )
    plain = Old.objects.create(user_id=alice.pk, model=Model.MIDJOURNEY, prompt="a fox --relax")

    call_command("migrate", "generation", verbosity=0)

    old = Generation.objects.get(pk=old.pk)
    assert old.prompt == "the same apple in winter --relax"
    assert old.request_body == {"prompt": SENT}
    assert Generation.objects.get(pk=plain.pk).prompt == "a fox --relax"
