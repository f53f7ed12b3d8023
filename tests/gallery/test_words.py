"""What a person reads on a gallery card: plain words and honest figures. A cancelled job is
grey with no Retry, a refused prompt offers "Edit prompt", a running job says "creating, 3 %"
(no provider codes, dicts or ids), a new card is "just now", and a failed or cancelled job
shows its credits as refunded."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from studio.credits import ledger
from studio.generation.cancel import UNSENT_NOTE
from studio.generation.models import Status
from tests.factories import AssetFactory, GenerationFactory

pytestmark = pytest.mark.django_db


def card_of(html: str, generation) -> str:
    match = re.search(
        rf'<article class="card[^"]*" id="card-{generation.pk}".*?</article>', html, re.S
    )
    assert match, f"no card for {generation.pk}"
    return match.group(0)


def text_of(card: str) -> str:
    """The card as a person reads it: tags dropped, spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", card).replace("\xa0", " ").split())


def charged_and_failed(user, *, cost=10, refund=True, **fields):
    """A job charged `cost` credits that ended FAILED (and was refunded, as the worker does)."""
    generation = GenerationFactory(
        user=user, status=Status.FAILED, cost=cost, minutes_ago=4, **fields
    )
    ledger.charge(generation)
    if refund:
        ledger.refund(generation.pk, reason=fields.get("error", ""))
    return generation


def test_a_cancelled_job_is_grey_with_its_refund_and_no_retry(alice, alice_client):
    cancelled = charged_and_failed(alice, error="Job cancelled", cancel_requested_at=timezone.now())

    card = card_of(alice_client.get("/").content.decode(), cancelled)

    assert 'class="card status-cancelled"' in card
    assert 'data-status="cancelled">cancelled</span>' in card
    assert 'data-status="failed"' not in card and 'role="alert"' not in card
    assert "Retry" not in card
    assert "Cancelled at your request." in text_of(card)
    assert "10 credits, refunded · 4 minutes ago" in text_of(card)


def test_a_job_cancelled_before_it_was_sent_says_so(alice, alice_client):
    unsent = charged_and_failed(
        alice, error=UNSENT_NOTE, cancel_requested_at=timezone.now(), cost=5
    )
    # What cancel._close_unsent leaves: no cost, the charge refunded.
    type(unsent).objects.filter(pk=unsent.pk).update(cost=0)

    text = text_of(card_of(alice_client.get("/").content.decode(), unsent))

    assert UNSENT_NOTE in text and "5 credits, refunded" in text


def test_a_failed_job_shows_its_refund_and_retry(alice, alice_client):
    failed = charged_and_failed(alice, error="The provider could not make this image.")

    card = card_of(alice_client.get("/").content.decode(), failed)

    assert 'data-status="failed">failed</span>' in card
    assert "Retry with the same settings" in card
    assert "10 credits, refunded" in text_of(card)


def test_a_failure_the_provider_kept_the_credits_of_shows_the_cost(alice, alice_client):
    kept = charged_and_failed(alice, cost=6, refund=False, error="saving the files failed")

    text = text_of(card_of(alice_client.get("/").content.decode(), kept))

    assert "6 credits ·" in text and "refunded" not in text


@pytest.mark.parametrize(
    "error",
    [
        'Banned prompt detected: "forbidden"',
        'Content policy violation: the prompt contains "forbidden".',
    ],
)
def test_a_refused_prompt_offers_edit_prompt_not_retry(alice, alice_client, error):
    refused = charged_and_failed(alice, error=error, prompt="a forbidden castle")

    card = card_of(alice_client.get("/").content.decode(), refused)

    edit = f'href="{reverse("generation:midjourney_new")}?retry={refused.pk}">Edit prompt</a>'
    assert edit in card
    assert "Retry" not in card


def test_a_running_job_speaks_plain_words(alice, alice_client):
    running = GenerationFactory(
        user=alice,
        status=Status.PROCESSING,
        progress=3,
        status_note="creating, 3 %",
        message_id="c0ffee-message-id",
        request_body={"prompt": "a lighthouse at dusk", "ref": "secret-ref"},
    )

    card = card_of(alice_client.get("/").content.decode(), running)
    text = text_of(card)

    assert 'data-status="processing">creating</span>' in card
    assert text.count("creating, 3 %") == 1  # the state line, not repeated by the note
    assert "PROCESSING" not in card and "provider says" not in card
    assert "c0ffee-message-id" not in card and "{'" not in card and "secret-ref" not in card


def test_a_new_card_is_just_now_and_an_older_one_minutes_ago(alice, alice_client):
    new = GenerationFactory(user=alice, minutes_ago=0)
    old = GenerationFactory(user=alice, minutes_ago=5, prompt="an older lighthouse")
    for generation in (new, old):
        AssetFactory(generation=generation)

    html = alice_client.get("/").content.decode()

    assert "· just now" in text_of(card_of(html, new))
    assert "0 minutes" not in html
    assert "· 5 minutes ago" in text_of(card_of(html, old))


def test_a_card_drawn_alone_reads_its_refund_from_the_ledger(alice, alice_client):
    cancelled = charged_and_failed(alice, error="Job cancelled", cancel_requested_at=timezone.now())

    html = alice_client.get(reverse("generation:card", args=[cancelled.pk])).content.decode()

    assert "10 credits, refunded" in text_of(card_of(html, cancelled))


def test_ids_and_the_request_are_under_technical_details_on_the_detail_page(alice, alice_client):
    done = GenerationFactory(user=alice, message_id="c0ffee-message-id")
    AssetFactory(generation=done)

    html = alice_client.get(done.get_absolute_url()).content.decode()
    details = re.search(r'<details class="technical">.*?</details>', html, re.S).group(0)

    assert "<summary>Technical details</summary>" in details
    assert "c0ffee-message-id" in details and "Provider message id" in details
    assert "<dt>Sent</dt>" in details and str(done.pk) in details
    outside = html.replace(details, "")
    assert "c0ffee-message-id" not in outside and "<dt>Sent</dt>" not in outside


def test_the_lightbox_panel_and_the_lineage_say_cancelled(alice, alice_client):
    cancelled = charged_and_failed(alice, error="Job cancelled", cancel_requested_at=timezone.now())

    panel = alice_client.get(reverse("generation:lightbox", args=[cancelled.pk])).content.decode()
    lineage = alice_client.get(
        reverse("generation:lineage", args=[cancelled.pk]), headers={"HX-Request": "true"}
    ).content.decode()

    for html in (panel, lineage):
        assert 'data-status="cancelled">cancelled</span>' in html
        assert 'data-status="failed"' not in html
    detail = alice_client.get(cancelled.get_absolute_url()).content.decode()
    assert "<dt>Status</dt><dd>Cancelled:" in detail


def test_refunds_cost_no_query_per_card(alice, alice_client):
    """The refund is a subquery of the page's one query for its generations."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            html = alice_client.get("/").content.decode()
        assert html.count(", refunded") == refunded
        return len(captured.captured_queries)

    alice_client.get("/")  # the session and caches are warm
    refunded = 2
    for _ in range(refunded):
        charged_and_failed(alice, error="boom")
    few = queries()
    for _ in range(5):
        charged_and_failed(alice, error="boom")
    refunded += 5

    assert queries() == few


# --- the provider's emoji buttons are named -------------------------------------------------

REROLL, LEFT = "\U0001f504", "\u2b05\ufe0f"


@pytest.mark.parametrize(
    ("button", "name"),
    [(REROLL, "Reroll"), (LEFT, "Pan left"), ("Zoom Out 2x", "Zoom out 2x"), ("U2", "Upscale 2")],
)
def test_a_press_is_named_alike_on_card_lineage_lightbox_detail_and_zip(
    alice, alice_client, button, name
):
    grid = GenerationFactory(user=alice, buttons=["U1", "U2", REROLL])
    AssetFactory(generation=grid)
    child = GenerationFactory(user=alice, action="button", button=button, parent=grid, root=grid)
    image = AssetFactory(generation=child)
    title = f"{name} of Midjourney"

    card = text_of(card_of(alice_client.get("/").content.decode(), child))
    lineage = alice_client.get(
        reverse("generation:lineage", args=[child.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    panel = alice_client.get(
        reverse("generation:lightbox", args=[child.pk]) + f"?asset={image.pk}"
    ).content.decode()
    detail = text_of(alice_client.get(child.get_absolute_url()).content.decode())
    names = zipfile.ZipFile(
        io.BytesIO(alice_client.post("/library/zip/", {"ids": [child.pk]}).getvalue())
    ).namelist()

    assert title in card
    assert f'<span class="lineage-label">{name}</span>' in lineage
    assert f'<h2 class="lightbox-title">{title}</h2>' in panel
    assert f"<dt>Step</dt><dd>{name}</dd>" in panel
    assert title in detail and f"Button {name}" in detail
    assert names == [f"{child.created_at:%Y-%m-%d}-a-lighthouse-at-dusk-{slugify(name)}-1.png"]
    if button != name:
        for html in (card, lineage, panel, detail):
            assert f"{button} of" not in html


# --- the lightbox and the detail page say the same ------------------------------------------


def facts_of(html: str) -> dict[str, str]:
    """A facts list (<dl class="facts">) as term → text."""
    return {
        term: text_of(value)
        for term, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html, re.S)
    }


def test_refunds_show_on_the_lightbox_and_the_detail_page(alice, alice_client):
    cancelled = charged_and_failed(alice, error="Job cancelled", cancel_requested_at=timezone.now())
    failed = charged_and_failed(alice, cost=6, error="The provider could not make this image.")
    kept = charged_and_failed(alice, cost=6, refund=False, error="saving the files failed")

    def cost(generation) -> tuple[str, str]:
        panel = alice_client.get(reverse("generation:lightbox", args=[generation.pk]))
        detail = alice_client.get(generation.get_absolute_url())
        return facts_of(panel.content.decode())["Cost"], facts_of(detail.content.decode())["Cost"]

    assert cost(cancelled) == ("10 credits, refunded", "10 credits, refunded")
    assert cost(failed) == ("6 credits, refunded", "6 credits, refunded")
    assert cost(kept) == ("6 credits", "6 credits")


def test_the_lightbox_says_just_now_for_a_new_job(alice, alice_client):
    new = GenerationFactory(user=alice, minutes_ago=0)
    old = GenerationFactory(user=alice, minutes_ago=5)

    def created(generation) -> str:
        panel = alice_client.get(reverse("generation:lightbox", args=[generation.pk]))
        return facts_of(panel.content.decode())["Created"]

    assert created(new).endswith("(just now)") and "0 minutes" not in created(new)
    assert created(old).endswith("(5 minutes ago)")


def test_sent_and_settings_read_as_words_not_python(alice, alice_client):
    done = GenerationFactory(
        user=alice,
        request_body={"prompt": "a lighthouse", "stylize": None, "raw": True, "ref": ["a", "b"]},
        params={"prompt": "a lighthouse", "style_raw": False, "speed": "fast", "n": None},
    )
    AssetFactory(generation=done)

    html = alice_client.get(done.get_absolute_url()).content.decode()
    details = re.search(r'<details class="technical">.*?</details>', html, re.S).group(0)
    sent = unescape(text_of(re.search(r"<dt>Sent</dt><dd>(.*?)</dd>", details, re.S).group(1)))

    # The prompt leads; the other keys keep the database's order (jsonb sorts them).
    assert sent.startswith('{ "prompt": "a lighthouse",')
    assert json.loads(sent) == {
        "prompt": "a lighthouse",
        "stylize": None,
        "raw": True,
        "ref": ["a", "b"],
    }
    assert "{'" not in html and "None" not in sent and "True" not in sent
    settings = facts_of(html)["Settings"]
    assert "style_raw: no" in settings and "n: —" in settings and "False" not in settings
