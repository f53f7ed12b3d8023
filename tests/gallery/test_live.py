"""The live channel (studio.gallery.live): one event stream per page says which cards moved,
so a finished image shows without every card polling, and a teammate's new job reaches the
team's wall. Streams here last one check (LIVE_STREAM_SECONDS=0)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from studio.gallery import live
from studio.generation.models import Generation, Status
from studio.teams.access import Workspace
from studio.teams.models import Role
from tests.factories import GenerationFactory, TeamFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_check(settings):
    settings.LIVE_STREAM_SECONDS = 0.0001


def events(response) -> list[dict]:
    """The `changed` events of a finished stream, with their ids."""
    assert response["Content-Type"] == "text/event-stream"
    text = b"".join(response.streaming_content).decode()
    found = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "changed":
            found.append({"id": lines["id"], **json.loads(lines["data"])})
    return found


def opened(moment) -> str:
    return f"/live/?opened={moment.isoformat().replace('+', '%2B')}"


def touch(generation: Generation, **fields) -> None:
    Generation.objects.filter(pk=generation.pk).update(**fields)


def test_a_card_that_moved_is_announced_to_its_owner_only(alice, charlie):
    running = GenerationFactory(user=alice, running=True)
    strangers = GenerationFactory(user=charlie, running=True)
    page_drawn = timezone.now()
    touch(running, status=Status.DONE)
    touch(strangers, status=Status.DONE)

    [event] = events(client_for(alice).get(opened(page_drawn)))

    running.refresh_from_db()
    assert event["changed"] == {str(running.pk): live.stamp(running.updated_at)}
    assert event["new"] == []  # her own job: the page that made it shows it already
    assert list(events(client_for(charlie).get(opened(page_drawn)))[0]["changed"]) == [
        str(strangers.pk)
    ]


def test_cards_whose_job_ended_are_named_so_the_page_fetches_them_first(alice):
    ended = GenerationFactory(user=alice, running=True)
    failed = GenerationFactory(user=alice, running=True)
    moving = GenerationFactory(user=alice, running=True)
    page_drawn = timezone.now()
    touch(ended, status=Status.DONE, progress=100)
    touch(failed, status=Status.FAILED, error="Banned prompt")
    touch(moving, status=Status.PROCESSING, progress=40)

    [event] = events(client_for(alice).get(opened(page_drawn)))

    assert set(event["changed"]) == {str(ended.pk), str(failed.pk), str(moving.pk)}
    assert sorted(event["finished"]) == sorted([str(ended.pk), str(failed.pk)])


def test_nothing_changed_sends_no_event_and_a_resumed_stream_starts_at_its_cursor(alice):
    generation = GenerationFactory(user=alice, running=True, minutes_ago=1)
    touch(generation, updated_at=generation.created_at)
    page_drawn = timezone.now()
    client = client_for(alice)
    assert events(client.get(opened(page_drawn))) == []

    # A change well before the cursor the browser sends back (Last-Event-ID) was seen.
    touch(generation, status_note="creating, 40 %", updated_at=page_drawn + timedelta(seconds=1))
    cursor = (page_drawn + timedelta(seconds=5)).isoformat()
    with time_machine.travel(page_drawn + timedelta(seconds=6)):
        assert events(client.get(opened(page_drawn), headers={"Last-Event-ID": cursor})) == []
        # A later one is sent, with the new cursor as its id.
        later_at = page_drawn + timedelta(seconds=5.5)
        touch(generation, status=Status.DONE, updated_at=later_at)
        [later] = events(client.get(opened(page_drawn), headers={"Last-Event-ID": cursor}))
    assert later["changed"] == {str(generation.pk): live.stamp(later_at)}
    assert later["id"] == later_at.isoformat()


def test_a_watch_announces_each_change_once():
    alice = UserFactory()
    generation = GenerationFactory(user=alice, running=True)
    now = timezone.now()
    watch = live.Watch(
        user=alice, workspace=Workspace(team=None, role=None), cursor=now, opened=now
    )
    touch(generation, status_note="creating, 10 %")
    assert list(watch.check()["changed"]) == [str(generation.pk)]
    assert watch.check() is None
    touch(generation, status_note="creating, 60 %")
    assert list(watch.check()["changed"]) == [str(generation.pk)]


def test_a_teammates_new_job_is_new_on_the_team_wall_only(alice, charlie):
    bob = UserFactory(username="bob")
    team = TeamFactory(members={alice: Role.OWNER, bob: Role.VIEWER})
    page_drawn = timezone.now()
    made_earlier = GenerationFactory(user=alice, team=team, running=True, minutes_ago=5)
    teammates = GenerationFactory(user=alice, team=team, running=True)
    alices_own = GenerationFactory(user=alice, running=True)  # her personal gallery
    touch(made_earlier, status=Status.DONE)

    [event] = events(client_for(bob, team).get(opened(page_drawn)))
    assert set(event["changed"]) == {str(made_earlier.pk), str(teammates.pk)}
    assert event["new"] == [str(teammates.pk)]
    # In bob's personal gallery the team's jobs still change cards he may be looking at
    # (a detail page), but none is new there.
    [personal] = events(client_for(bob).get(opened(page_drawn)))
    assert personal["new"] == []
    assert str(alices_own.pk) not in personal["changed"]


def test_a_stranger_and_a_bad_time_get_nothing_of_anyone(client, alice):
    GenerationFactory(user=alice, running=True)
    assert client.get("/live/").status_code == 302  # sign in first
    response = client_for(UserFactory()).get("/live/?opened=not-a-time")
    assert events(response) == []


def test_a_running_card_is_marked_for_the_channel_and_a_finished_one_is_not(alice):
    running = GenerationFactory(user=alice, running=True)
    done = GenerationFactory(user=alice, images=1)
    html = client_for(alice).get("/").content.decode()
    start = html.index(f'id="card-{running.pk}"')
    assert "data-running" in html[start : html.index(">", start)]
    running.refresh_from_db()  # the version the channel compares with
    assert (
        f'data-updated="{live.stamp(running.updated_at)}"' in html[start : html.index(">", start)]
    )
    start = html.index(f'id="card-{done.pk}"')
    assert "data-running" not in html[start : html.index(">", start)]
    assert 'name="studio-live"' in html and "/live/?opened=" in html


def test_cards_are_drawn_many_at_once_for_whom_may_see_them(alice, charlie):
    running = GenerationFactory(user=alice, running=True, prompt="a running kite")
    done = GenerationFactory(user=alice, images=1, prompt="a finished kite")
    strangers = GenerationFactory(user=charlie, running=True, prompt="charlie's secret")
    query = "&".join(f"id={pk}" for pk in (running.pk, done.pk, strangers.pk, "not-a-uuid"))

    response = client_for(alice).get(f"/cards/?{query}")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="card-{running.pk}"' in html and f'id="card-{done.pk}"' in html
    assert "charlie's secret" not in html and str(strangers.pk) not in html
    # A final card among them: the header's credits and a detail page hear of it.
    assert json.loads(response["HX-Trigger"]) == {"generation-finished": {"ids": [str(done.pk)]}}
    only_running = client_for(alice).get(f"/cards/?id={running.pk}")
    assert "HX-Trigger" not in only_running


def test_a_poll_that_shows_nothing_new_is_not_announced():
    alice = UserFactory()
    generation = GenerationFactory(user=alice, status=Status.PROCESSING, progress=20)
    now = timezone.now()
    watch = live.Watch(
        user=alice, workspace=Workspace(team=None, role=None), cursor=now, opened=now
    )
    touch(generation, status_note="creating, 20 %")
    assert list(watch.check()["changed"]) == [str(generation.pk)]
    # The poller asked again and heard nothing new: only the next poll time moved.
    touch(generation, next_poll_at=timezone.now() + timedelta(seconds=3))
    assert watch.check() is None
    # Progress moved: announced.
    touch(generation, progress=45)
    assert list(watch.check()["changed"]) == [str(generation.pk)]
    # Once it is saving its files, every change counts (the files move updated_at only).
    touch(generation, status=Status.DOWNLOADING)
    assert watch.check() is not None
    touch(generation, next_poll_at=timezone.now())
    assert watch.check() is not None


def test_a_burst_larger_than_one_check_is_read_over_several_checks():
    alice = UserFactory()
    now = timezone.now()
    jobs = GenerationFactory.create_batch(live.ROWS_PER_CHECK + 50, user=alice, running=True)
    watch = live.Watch(
        user=alice, workspace=Workspace(team=None, role=None), cursor=now, opened=now
    )
    for n, job in enumerate(jobs):  # all within the look-back window
        touch(job, status_note=f"step {n}", updated_at=now + timedelta(milliseconds=n + 1))
    seen: set[str] = set()
    for _ in range(3):
        seen |= set((watch.check() or {"changed": {}})["changed"])
    assert seen == {str(job.pk) for job in jobs}
