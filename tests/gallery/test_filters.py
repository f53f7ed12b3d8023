"""Each gallery filter narrows the grid as a person expects; the form stays in the URL and
htmx swaps only the grid."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from studio.gallery.models import Favourite
from studio.generation.models import Model, Status
from tests.factories import AssetFactory, CollectionFactory, GenerationFactory
from tests.gallery.conftest import HTMX, client_for, member

pytestmark = pytest.mark.django_db


def card_ids(html: str) -> list[str]:
    return re.findall(r'<article class="card[^"]*" id="card-([0-9a-f-]{36})"', html)


def shown(client, query: str = "", **headers) -> list[str]:
    response = client.get(f"/?{query}", headers=headers)
    assert response.status_code == 200
    return card_ids(response.content.decode())


def more_link(html: str) -> str:
    """The query of the grid's "more" (what htmx asks for when it is revealed)."""
    found = re.search(r'<div class="more" hx-get="\?([^"]*)" hx-trigger="revealed"', html)
    assert found, "no more link"
    return found.group(1).replace("&amp;", "&")


def ids(*generations) -> list[str]:
    return [str(g.pk) for g in generations]


def test_search_finds_prompt_text_whatever_its_case(alice, alice_client):
    fox = GenerationFactory(user=alice, prompt="A Red FOX in the snow", minutes_ago=1)
    GenerationFactory(user=alice, prompt="a lighthouse at dusk", minutes_ago=2)
    foxes = GenerationFactory(user=alice, prompt="two foxes playing", minutes_ago=3)

    assert shown(alice_client, "q=fox") == ids(fox, foxes)
    assert shown(alice_client, "q=red+fox") == ids(fox)
    assert shown(alice_client, "q=zebra") == []
    assert "Nothing matches these filters." in alice_client.get("/?q=zebra").content.decode()


def test_model_filter(alice, alice_client):
    mj = GenerationFactory(user=alice, model=Model.MIDJOURNEY)
    flux = GenerationFactory(user=alice, model=Model.FLUX)

    assert shown(alice_client, "model=flux") == ids(flux)
    assert shown(alice_client, "model=midjourney") == ids(mj)


def test_kind_video_is_the_video_model_or_a_stored_video(alice, alice_client):
    still = GenerationFactory(user=alice, model=Model.FLUX, minutes_ago=1)
    AssetFactory(generation=still)
    clip = GenerationFactory(user=alice, model=Model.VIDEO, minutes_ago=2)
    extended = GenerationFactory(user=alice, model=Model.MIDJOURNEY, minutes_ago=3)
    AssetFactory(generation=extended, role="video")

    assert shown(alice_client, "kind=video") == ids(clip, extended)
    assert shown(alice_client, "kind=image") == ids(still)


def test_status_filter(alice, alice_client):
    running = GenerationFactory(user=alice, status=Status.PROCESSING, minutes_ago=1)
    queued = GenerationFactory(user=alice, status=Status.QUEUED, minutes_ago=2)
    done = GenerationFactory(user=alice, status=Status.DONE, minutes_ago=3)
    failed = GenerationFactory(user=alice, status=Status.FAILED, minutes_ago=4)

    assert shown(alice_client, "status=running") == ids(running, queued)
    assert shown(alice_client, "status=done") == ids(done)
    assert shown(alice_client, "status=failed") == ids(failed)


def test_date_range_includes_both_days(alice, alice_client):
    day = timedelta(days=1)
    today = GenerationFactory(user=alice, minutes_ago=0)
    two_days = GenerationFactory(user=alice, minutes_ago=2 * 24 * 60)
    old = GenerationFactory(user=alice, minutes_ago=10 * 24 * 60)
    now = timezone.localdate()

    assert shown(alice_client, f"date_from={now - 3 * day}") == ids(today, two_days)
    assert shown(alice_client, f"date_to={now - 3 * day}") == ids(old)
    both = f"date_from={now - 2 * day}&date_to={now - 2 * day}"
    assert shown(alice_client, both) == ids(two_days)


def test_dates_the_wrong_way_round_say_so(alice, alice_client):
    GenerationFactory(user=alice)

    html = alice_client.get("/?date_from=2026-05-02&date_to=2026-05-01").content.decode()

    assert "The end date is before the start date." in html
    assert 'role="alert"' in html


def test_aspect_ratio_offers_the_ratios_present_and_filters(alice, alice_client, charlie):
    wide = GenerationFactory(user=alice, aspect_ratio="16:9", minutes_ago=1)
    GenerationFactory(user=alice, aspect_ratio="1:1", minutes_ago=2)
    GenerationFactory(user=charlie, aspect_ratio="21:9")  # someone else's: not a choice

    html = alice_client.get("/").content.decode()
    select = re.search(r'<select name="aspect_ratio".*?</select>', html, re.DOTALL).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "16:9", "1:1"]
    assert shown(alice_client, "aspect_ratio=16:9") == ids(wide)

    refused = alice_client.get("/?aspect_ratio=21:9").content.decode()
    assert "Select a valid choice. 21:9 is not one of the available choices." in refused


def test_member_filter_in_a_team_and_not_in_ones_own_gallery(team, alice_client):
    olga, cora = member(team, "olga"), member(team, "cora")
    by_olga = GenerationFactory(user=olga, team=team, minutes_ago=1)
    by_cora = GenerationFactory(user=cora, team=team, minutes_ago=2)
    client = client_for(cora, team)

    assert shown(client, f"member={olga.pk}") == ids(by_olga)
    assert shown(client, f"member={cora.pk}") == ids(by_cora)
    html = client.get("/").content.decode()
    assert re.findall(r'<select name="member".*?</select>', html, re.DOTALL)
    assert "olga" in html and "vera" in html  # every member is a choice
    assert 'name="member"' not in alice_client.get("/").content.decode()


def test_favourites_only_shows_mine(alice, alice_client, team):
    starred = GenerationFactory(user=alice, minutes_ago=1)
    GenerationFactory(user=alice, minutes_ago=2)
    Favourite.objects.create(user=alice, generation=starred)

    assert shown(alice_client, "favourites=on") == ids(starred)

    # In a team, a teammate's star is not mine.
    olga, cora = member(team, "olga"), member(team, "cora")
    shared = GenerationFactory(user=olga, team=team)
    Favourite.objects.create(user=olga, generation=shared)
    assert shown(client_for(olga, team), "favourites=on") == ids(shared)
    assert shown(client_for(cora, team), "favourites=on") == []


def test_collection_filter(alice, alice_client):
    kept = GenerationFactory(user=alice, minutes_ago=1)
    GenerationFactory(user=alice, minutes_ago=2)
    trip = CollectionFactory(owner=alice, name="Trip", generations=[kept])

    assert shown(alice_client, f"collection={trip.pk}") == ids(kept)


def test_filters_combine_and_load_more_keeps_them(alice, alice_client):
    for minutes in range(30):
        GenerationFactory(
            user=alice, model=Model.FLUX, prompt=f"fox {minutes}", minutes_ago=minutes
        )
    GenerationFactory(user=alice, model=Model.MIDJOURNEY, prompt="fox in mj")
    GenerationFactory(user=alice, model=Model.FLUX, prompt="a cat")

    html = alice_client.get("/?q=fox&model=flux&kind=&status=").content.decode()

    assert len(card_ids(html)) == 24
    # Empty fields are left out of the next page's address; the filters stay.
    more = more_link(html)
    assert more.startswith("q=fox&model=flux&after=")
    rest = shown(alice_client, more, **HTMX)
    assert len(rest) == 6
    assert not set(rest) & set(card_ids(html))
    # An old page link still answers its page.
    assert shown(alice_client, "q=fox&model=flux&page=2", **HTMX) == rest


def test_96_per_page(alice, alice_client):
    for minutes in range(100):
        GenerationFactory(user=alice, minutes_ago=minutes)

    html = alice_client.get("/?per_page=96").content.decode()

    assert len(card_ids(html)) == 96
    assert more_link(html).startswith("per_page=96&after=")
    assert '<option value="96" selected>' in html
    assert len(shown(alice_client, more_link(html), **HTMX)) == 4
    assert len(shown(alice_client, "per_page=96&page=2", **HTMX)) == 4
    assert len(shown(alice_client, "per_page=1000")) == 24  # only 24 or 96


def test_htmx_filter_answers_the_grid_only_and_varies(alice, alice_client):
    flux = GenerationFactory(user=alice, model=Model.FLUX)
    GenerationFactory(user=alice, model=Model.MIDJOURNEY)

    response = alice_client.get("/?model=flux", headers={**HTMX, "HX-Target": "gallery-grid"})

    html = response.content.decode()
    assert card_ids(html) == ids(flux)
    assert "<h1>" not in html and '<form method="get"' not in html
    assert "HX-Request" in response["Vary"]
    # Back button: htmx asks for the whole page when its history cache misses.
    restore = alice_client.get(
        "/?model=flux", headers={**HTMX, "HX-History-Restore-Request": "true"}
    ).content.decode()
    assert "<h1>Gallery</h1>" in restore


def test_the_form_is_in_the_url_and_works_without_javascript(alice, alice_client):
    html = alice_client.get("/?q=fox&model=flux").content.decode()

    form = re.search(r'<form method="get" action="/".*?</form>', html, re.DOTALL).group(0)
    assert 'hx-get="/"' in form and 'hx-push-url="true"' in form
    assert 'hx-target="#gallery-grid"' in form
    assert 'value="fox"' in form
    assert '<option value="flux" selected>' in form
    assert '<button type="submit"' in form


def test_the_filter_form_sets_the_address_to_its_own_request(alice, alice_client):
    GenerationFactory(user=alice, model=Model.FLUX, prompt="red fox")
    form = {**HTMX, "HX-Target": "gallery-grid", "HX-Trigger": "gallery-filters"}
    query = "q=fox&model=flux&kind=&status=&date_from=&per_page=24"

    response = alice_client.get(f"/?{query}", headers={**form, "HX-Current-URL": "http://t/"})

    # Empty fields and the default page size left out: a short link to share.
    assert response["HX-Push-Url"] == "/?q=fox&model=flux"
    # The same filters again (the search box's change on blur): no second history entry.
    again = alice_client.get(
        f"/?{query}", headers={**form, "HX-Current-URL": "http://t/?model=flux&q=fox"}
    )
    assert again["HX-Push-Url"] == "false"
    cleared = alice_client.get(
        "/?q=&model=&per_page=24", headers={**form, "HX-Current-URL": "http://t/?q=fox"}
    )
    assert cleared["HX-Push-Url"] == "/"
    assert alice_client.get("/?per_page=96&q=", headers=form)["HX-Push-Url"] == "/?per_page=96"


def test_load_more_and_whole_pages_leave_the_address_alone(alice, alice_client):
    for minutes in range(30):
        GenerationFactory(user=alice, minutes_ago=minutes)

    first = alice_client.get("/?q=a").content.decode()
    more = alice_client.get(
        f"/?{more_link(first)}", headers={**HTMX, "HX-Current-URL": "http://t/?q=a"}
    )

    assert len(card_ids(more.content.decode())) == 6
    assert "HX-Push-Url" not in more
    assert "HX-Push-Url" not in alice_client.get("/?q=a")
