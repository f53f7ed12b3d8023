"""ImagineLab sandbox generations (https://api.imagineview.art "Generations"): the models list, create with its
checks, integer ids, lowercase statuses through pending → processing → completed | failed,
history pages, delete, and other accounts' generations staying invisible."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from studio.sandbox.imaginelab.models import SandboxLabGeneration
from studio.sandbox.imaginelab.services import DURATIONS

pytestmark = pytest.mark.django_db(transaction=True)

TYPES = {"image", "video", "voice", "music", "infographic", "text"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_models_cover_the_six_types_with_settings_and_costs(lab):
    response = lab.get("generations/models")
    assert response.status_code == 200
    models = response.json()
    assert {m["generation_type"] for m in models} == TYPES
    by_name = {m["name"]: m for m in models}
    assert (
        by_name["seedream-5.0-lite"]["credit_cost"] == 5
    )  # ImagineLab's documented example model and cost
    cheapest = {}
    for model in models:
        kind = model["generation_type"]
        cheapest[kind] = min(cheapest.get(kind, 999), model["credit_cost"])
    # ImagineLab's documented indicative costs.
    assert cheapest == {
        "text": 2,
        "voice": 3,
        "image": 5,
        "music": 8,
        "infographic": 10,
        "video": 15,
    }
    # Costs vary by model: the two image models differ.
    image_costs = {m["credit_cost"] for m in models if m["generation_type"] == "image"}
    assert len(image_costs) == 2
    settings_of = {kind: set() for kind in TYPES}
    for model in models:
        settings_of[model["generation_type"]] |= set(model["settings"])
    assert settings_of == {
        "image": {"aspect_ratio"},
        "video": {"aspect_ratio", "duration"},
        "voice": {"voice", "speed"},
        "music": {"duration", "genre"},
        "infographic": {"aspect_ratio", "theme"},
        "text": {"max_words"},
    }
    video = by_name["kinetic-2"]["settings"]["duration"]
    assert video["type"] == "choice" and video["choices"] == [5, 10]
    music = by_name["harmonia-1"]["settings"]["duration"]
    assert music["type"] == "int" and music["min"] < music["default"] <= music["max"]


def test_create_answers_a_pending_record_with_an_integer_id_and_reserves_the_cost(lab):
    before = lab.balance()
    response = lab.post(
        "generations",
        {
            "generation_type": "image",
            "model_name": "seedream-5.0-lite",
            "prompt": "A neon city skyline at dusk",
            "settings": {"aspect_ratio": "16:9"},
            "project_id": None,
        },
    )
    assert response.status_code == 201
    record = response.json()
    assert isinstance(record["id"], int)
    assert record["status"] == "pending"
    assert record["credit_cost"] == 5
    assert record["outputs"] == []
    assert record["generation_type"] == "image"
    assert record["model_name"] == "seedream-5.0-lite"
    assert record["prompt"] == "A neon city skyline at dusk"
    assert record["settings"] == {"aspect_ratio": "16:9"}
    assert isinstance(record["user_id"], int)
    assert ISO_Z.match(record["created_at"])
    assert lab.balance() == before - 5
    second = lab.create("text", "scribe-1", "another one")
    assert second["id"] > record["id"]  # autoincrement


def test_status_goes_pending_processing_completed_in_lowercase(lab, settings, sandbox_clock):
    """The sandbox's clock is stepped through the generation's timeline."""
    settings.SANDBOX_TIME_SCALE = 1.0  # realistic durations: the clock is stepped, not waited
    pending, processing = DURATIONS["music"]
    t0 = sandbox_clock()
    record = lab.create("music", "harmonia-1", "a slow walk by the sea", duration=5)

    def status_at(seconds: float) -> dict:
        sandbox_clock.advance_to(t0 + timedelta(seconds=seconds))
        status = lab.get(f"generations/{record['id']}/status").json()
        assert set(status) == {"id", "status", "progress"}
        assert status["id"] == record["id"]
        return status

    seen = [
        status_at(seconds)
        for seconds in (0, pending / 2, pending + processing / 4, pending + processing * 3 / 4)
    ]
    seen.append(status_at(pending + processing))
    assert [s["status"] for s in seen] == [
        "pending",
        "pending",
        "processing",
        "processing",
        "completed",
    ]
    progress = [s["progress"] for s in seen]
    assert progress[:2] == [0, 0] and 0 < progress[2] < progress[3] < 100
    assert progress[-1] == 100
    done = lab.get(f"generations/{record['id']}").json()
    assert done["status"] == "completed" and done["progress"] == 100
    assert done["completed_at"] and done["error"] is None
    assert len(done["outputs"]) == 1


def test_a_banned_word_fails_with_a_reason_and_refunds(lab, sandbox_clock):
    before = lab.balance()
    record = lab.create("image", "lumen-xl", "a forbidden door")
    assert lab.balance() == before - 7  # charged while it waits (the clock is held)
    sandbox_clock.advance(60)  # past any image's timeline at any scale
    final = lab.wait(record["id"])
    assert final["status"] == "failed"
    assert "forbidden" in final["error"]
    assert final["outputs"] == []
    assert lab.get(f"generations/{record['id']}/status").json()["status"] == "failed"
    assert lab.balance() == before
    lab.get(f"generations/{record['id']}")
    assert lab.balance() == before  # refunded once


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"generation_type": "sculpture", "model_name": "x", "prompt": "p"},
            400,
            "Unknown generation_type 'sculpture'",
        ),
        (
            {"generation_type": "image", "model_name": "kinetic-2", "prompt": "p"},
            400,
            "Unknown model 'kinetic-2' for generation type 'image'",
        ),
        (
            {"generation_type": "image", "model_name": "seedream-5.0-lite", "prompt": "  "},
            400,
            "Prompt must not be empty",
        ),
        (
            {
                "generation_type": "image",
                "model_name": "seedream-5.0-lite",
                "prompt": "p",
                "settings": {"aspect_ratio": "7:3"},
            },
            400,
            "Invalid value for aspect_ratio: '7:3'",
        ),
        (
            {
                "generation_type": "music",
                "model_name": "harmonia-1",
                "prompt": "p",
                "settings": {"duration": 600},
            },
            400,
            "duration must be from 5 to 60",
        ),
        (
            {
                "generation_type": "text",
                "model_name": "scribe-1",
                "prompt": "p",
                "settings": {"tone": "dry"},
            },
            400,
            "Unknown setting 'tone'",
        ),
    ],
)
def test_create_refusals_say_what_is_wrong_and_cost_nothing(lab, body, status, detail):
    before = lab.balance()
    response = lab.post("generations", body)
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert lab.balance() == before
    assert not SandboxLabGeneration.objects.exists()


def test_missing_fields_are_a_422_list(lab):
    response = lab.post("generations", {"generation_type": "image"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [item["loc"] for item in detail] == [["body", "model_name"], ["body", "prompt"]]
    assert {item["msg"] for item in detail} == {"Field required"}
    broken = lab.session.post(
        f"{lab.base_url}/generations",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["msg"] == "JSON decode error"


def test_settings_defaults_are_filled_and_numbers_accepted_as_text(lab):
    record = lab.create("video", "kinetic-2", "waves", duration="10")
    assert record["settings"] == {"aspect_ratio": "16:9", "duration": 10}
    voice = lab.create("voice", "vocalis-1", "hello there")
    assert voice["settings"] == {"voice": "aria", "speed": 1.0}


def test_another_accounts_generation_is_not_found(make_lab):
    owner, stranger = make_lab(), make_lab()
    record = owner.create("text", "scribe-1", "private thoughts")
    for response in (
        stranger.get(f"generations/{record['id']}"),
        stranger.get(f"generations/{record['id']}/status"),
        stranger.delete(f"generations/{record['id']}"),
        owner.get("generations/999999"),
        owner.get("generations/abc"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Generation not found"}
    assert stranger.get("generations").json()["total"] == 0


def test_history_is_paginated_newest_first(lab, settings):
    settings.SANDBOX_IMAGINELAB_RATE = 0  # a burst of requests, not a rate-limit test
    made = [lab.create("text", "scribe-1", f"note {i}")["id"] for i in range(5)]
    first = lab.get("generations", params={"page": 1, "page_size": 2}).json()
    assert first["total"] == 5 and first["page"] == 1 and first["page_size"] == 2
    assert [item["id"] for item in first["items"]] == made[::-1][:2]
    pages = [
        lab.get("generations", params={"page": page, "page_size": 2}).json()["items"]
        for page in (1, 2, 3, 4)
    ]
    ids = [item["id"] for page in pages for item in page]
    assert ids == made[::-1]  # every one once, then an empty page
    assert pages[3] == []
    assert {item["status"] for page in pages for item in page} <= {
        "pending",
        "processing",
        "completed",
    }
    bad = lab.get("generations", params={"page_size": 1000})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "page_size"]


def test_delete_removes_the_generation_and_its_file(lab):
    record = lab.create("image", "seedream-5.0-lite", "a lighthouse")
    final = lab.wait(record["id"])
    url = final["outputs"][0]
    assert requests.get(url, timeout=10).status_code == 200
    response = lab.delete(f"generations/{record['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert lab.get(f"generations/{record['id']}").status_code == 404
    assert lab.get("generations").json()["total"] == 0
    assert requests.get(url, timeout=10).status_code == 404
    assert lab.delete(f"generations/{record['id']}").status_code == 404
