"""The dry run: which typed prompts of the last 30 days a proposed list would have blocked,
with counts and the matched words, page by page, saving nothing."""

from __future__ import annotations

import pytest

from studio.banwords import services
from studio.banwords.models import BanListVersion
from studio.console.models import AuditEntry
from studio.generation.models import Model
from tests.factories import GenerationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def prompts(alice, charlie):
    old = GenerationFactory(user=alice, prompt="gore from long ago", queued=True, days_ago=31)
    blocked = GenerationFactory(user=alice, prompt="a GORE scene", queued=True, days_ago=2)
    # A press: carries its parent's prompt.
    child = GenerationFactory(user=alice, prompt="a GORE scene", queued=True, parent=blocked)
    flux = GenerationFactory(
        user=charlie, prompt="blood, bath --sref gore", queued=True, model=Model.FLUX, days_ago=1
    )
    mj_flag = GenerationFactory(
        user=charlie, prompt="a lake --sref https://example.com/gore.png", queued=True
    )
    clean = GenerationFactory(user=alice, prompt="a class of glass", queued=True)
    return {"old": old, "blocked": blocked, "child": child, "flux": flux,
            "mj_flag": mj_flag, "clean": clean}  # fmt: skip


def test_service_finds_the_typed_prompts_a_list_would_block(prompts):
    result = services.dry_run(["gore", "blood bath", "ass"])

    assert result.scanned == 4  # the press child and the 31-day-old prompt are not counted
    assert result.blocked == [
        (prompts["flux"].pk, ["blood bath", "gore"]),  # Flux reads every word
        (prompts["blocked"].pk, ["gore"]),
    ]
    assert result.counts == {"gore": 2, "blood bath": 1}


def test_page_lists_them_with_the_words_marked(staff_client, staff, prompts, ban):
    ban("nsfw")
    response = staff_client.get("/staff/ban-words/dry-run/", {"words": "gore\nblood bath"})

    html = response.content.decode()
    assert "<strong>2</strong> of 4 prompts" in html
    assert f'data-generation="{prompts["blocked"].pk}"' in html
    assert "a <mark>GORE</mark> scene" in html
    assert "<mark>blood, bath</mark> --sref <mark>gore</mark>" in html
    assert "a class of glass" not in html
    assert "+ blood bath" in html and "− nsfw" in html  # against the current list
    # nothing saved; the run is audited once
    assert BanListVersion.objects.count() == 1
    entry = AuditEntry.objects.get(action="banwords.dry_run")
    assert entry.user == staff
    assert entry.answer == "2 of 4 prompts would have been blocked."


def test_results_are_paginated(staff_client, alice, monkeypatch):
    monkeypatch.setattr("studio.banwords.views.dry_run.DRY_RUN_PER_PAGE", 2)
    for i in range(5):
        GenerationFactory(user=alice, prompt=f"gore number {i}", queued=True, days_ago=i)

    first = staff_client.get("/staff/ban-words/dry-run/", {"words": "gore"}).content.decode()
    third = staff_client.get(
        "/staff/ban-words/dry-run/", {"words": "gore", "page": "3"}
    ).content.decode()

    assert "<mark>gore</mark> number 0" in first and "<mark>gore</mark> number 1" in first
    assert "<mark>gore</mark> number 2" not in first
    assert "Page 1 of 3" in first and 'href="?words=gore&page=2"' in first
    assert "<mark>gore</mark> number 4" in third and "Page 3 of 3" in third
    assert AuditEntry.objects.filter(action="banwords.dry_run").count() == 1


def test_the_box_starts_with_the_current_list_and_runs_nothing(staff_client, ban):
    ban("gore", "nsfw")
    html = staff_client.get("/staff/ban-words/dry-run/").content.decode()
    assert ">\ngore\nnsfw</textarea>" in html
    assert "dry-run-result" not in html


def test_an_empty_proposal_is_an_error(staff_client):
    html = staff_client.get("/staff/ban-words/dry-run/", {"words": " "}).content.decode()
    assert "Type at least one word or phrase to test." in html


def test_use_this_list_leads_to_the_preview(staff_client, prompts):
    html = staff_client.get("/staff/ban-words/dry-run/", {"words": "gore"}).content.decode()
    assert '<textarea name="words" hidden>gore</textarea>' in html
    response = staff_client.post(
        "/staff/ban-words/", {"words": "gore", "base": "0", "step": "preview"}
    )
    assert "+ gore" in response.content.decode()
    assert not BanListVersion.objects.exists()
