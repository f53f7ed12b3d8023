"""A running card: a progress bar with an accessible name and value (indeterminate while the
provider has given no figure) and its state in plain words."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from studio.generation.models import Status
from tests.factories import GenerationFactory
from tests.gallery.conftest import HTMX

pytestmark = pytest.mark.django_db


def running_card(client, generation) -> str:
    response = client.get(f"/g/{generation.pk}/card/", headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def progress_tag(html: str) -> str:
    (tag,) = re.findall(r"<progress[^>]*>", html)
    return tag


def state_line(html: str) -> str:
    (line,) = re.findall(r'<p class="state" id="state-[^"]+">(.*?)</p>', html, re.S)
    return htmllib.unescape(line).strip()


@pytest.mark.parametrize(
    ("status", "progress", "line"),
    [
        (Status.QUEUED, 0, "waiting in the queue"),
        (Status.SUBMITTING, 0, "sending"),
        (Status.SUBMITTED, 0, "waiting in the queue"),
        (Status.PROCESSING, 46, "creating, 46 %"),
        (Status.PROCESSING, 0, "creating"),
        (Status.DOWNLOADING, 100, "saving"),
    ],
)
def test_running_card_says_its_state(alice_client, alice, status, progress, line):
    generation = GenerationFactory(user=alice, status=status, progress=progress)

    html = running_card(alice_client, generation)

    assert state_line(html) == line
    tag = progress_tag(html)
    assert 'max="100"' in tag
    assert f'aria-label="Progress of {generation.title}"' in htmllib.unescape(tag)
    assert f'aria-describedby="state-{generation.pk}"' in tag
    assert f'id="state-{generation.pk}"' in html
    if progress:
        assert f'value="{progress}"' in tag
    else:  # no figure yet: indeterminate, not an empty bar
        assert "value=" not in tag


def test_routine_note_is_left_out_but_a_wait_is_shown(alice_client, alice):
    routine = GenerationFactory(
        user=alice,
        status=Status.PROCESSING,
        progress=31,
        status_note="the provider says PROCESSING 31%",
    )
    waiting = GenerationFactory(
        user=alice,
        status=Status.PROCESSING,
        progress=31,
        status_note="no news from the provider for 4 min: still waiting",
    )

    routine_html = running_card(alice_client, routine)
    waiting_html = running_card(alice_client, waiting)

    assert "the provider says" not in routine_html
    assert state_line(routine_html) == "creating, 31 %"
    assert "no news from the provider for 4 min: still waiting" in waiting_html


def test_final_card_has_no_state_line(alice_client, alice):
    generation = GenerationFactory(user=alice, status=Status.FAILED, error="boom")

    html = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX).content.decode()

    assert '<p class="state"' not in html and "<progress" not in html


def test_a_sent_job_says_so_once(alice_client, alice):
    # The badge, the state line and the worker's routine note all said the same thing.
    generation = GenerationFactory(
        user=alice,
        status=Status.SUBMITTED,
        status_note="sent: waiting for the provider to start it",
    )

    html = running_card(alice_client, generation)

    assert state_line(html) == "waiting in the queue"
    assert "sent: waiting for the provider" not in html
    (badge,) = re.findall(r'<span class="badge status([^"]*)"[^>]*>([^<]*)</span>', html)
    assert badge == (" visually-hidden", "submitted")  # for screen readers only
