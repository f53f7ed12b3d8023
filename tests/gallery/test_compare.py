"""The Compare page: the jobs of one prompt-bar submission side by side, in the order sent,
for those who may see them (as the detail page: the maker, or the team)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from studio.generation.models import Generation
from tests.factories import GenerationFactory
from tests.gallery.conftest import HTMX, client_for, member
from tests.generation.test_prompt_bar import bar_post

pytestmark = pytest.mark.django_db(transaction=True)


def card_ids(html: str) -> list[str]:
    return re.findall(r'id="card-([0-9a-f-]{36})"', html)


def compare_url(generation) -> str:
    return reverse("generation:compare", args=[generation.pk])


def test_a_compare_submission_is_one_batch_listed_in_the_order_sent(
    alice_client, alice_key, sandbox_url, task_queue
):
    data = bar_post(alice_key, prompt="a {red, blue} kite", models=["flux", "midjourney"])
    assert alice_client.post("/bar/", data, headers=HTMX).status_code == 200
    sent = list(Generation.objects.order_by("created_at"))
    assert len(sent) == 4 and len({g.batch for g in sent}) == 1 and sent[0].batch

    for member_of_batch in sent:  # reachable from each of them
        html = alice_client.get(compare_url(member_of_batch)).content.decode()
        assert card_ids(html) == [str(g.pk) for g in sent]
        assert "4 jobs sent together" in html
    assert [g.model for g in sent] == ["flux", "flux", "midjourney", "midjourney"]

    # The detail page and the lightbox panel link to it.
    detail = alice_client.get(sent[1].get_absolute_url()).content.decode()
    assert f'href="{compare_url(sent[1])}"' in detail
    panel = alice_client.get(reverse("generation:lightbox", args=[sent[1].pk])).content.decode()
    assert f'href="{compare_url(sent[1])}"' in panel


def test_a_job_sent_alone_has_no_batch_and_no_compare_link(
    alice_client, alice_key, sandbox_url, task_queue
):
    alice_client.post("/bar/", bar_post(alice_key), headers=HTMX)
    alone = Generation.objects.get()
    assert alone.batch is None
    assert "compare" not in alice_client.get(alone.get_absolute_url()).content.decode().lower()
    assert card_ids(alice_client.get(compare_url(alone)).content.decode()) == [str(alone.pk)]


def test_only_the_maker_or_the_team_sees_a_batch(alice, charlie, team):
    batch = uuid.uuid4()
    mine = [GenerationFactory(user=alice, batch=batch, prompt=f"mine {n}") for n in range(2)]
    cora = member(team, "cora")
    shared_batch = uuid.uuid4()
    shared = [
        GenerationFactory(
            user=cora, team=team, batch=shared_batch, prompt=f"team {n}", minutes_ago=-n
        )
        for n in range(3)
    ]

    assert client_for(charlie).get(compare_url(mine[0])).status_code == 404
    assert client_for(cora, team).get(compare_url(mine[0])).status_code == 404
    html = client_for(member(team, "vera"), team).get(compare_url(shared[2])).content.decode()
    assert card_ids(html) == [str(g.pk) for g in shared]
    assert "mine" not in html
    assert client_for(charlie).get(compare_url(shared[0])).status_code == 404
