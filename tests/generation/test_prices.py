"""The prices page: every action the studio can take, with the provider's price or "not
published", and where the numbers come from."""

from __future__ import annotations

import re
from html import unescape

import pytest

from studio.generation import costs


def rows(html: str) -> dict[str, str]:
    """Action → price text, from the page's tables."""
    return dict(re.findall(r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td>", unescape(html)))


@pytest.mark.django_db
class TestPrices:
    def test_lists_every_action_with_its_price(self, alice_client):
        table = rows(alice_client.get("/prices/").content.decode())

        assert table["Imagine, fast"] == f"{costs.MIDJOURNEY_FAST} credits"
        assert table["Imagine, relax (--relax)"] == f"{costs.MIDJOURNEY_RELAX} credits"
        assert table["Imagine, turbo (--turbo)"] == "not published; we count 10"
        assert table["Boost mode (imagine or button)"] == "not published"
        assert table["U1–U4: upscale one tile"] == "5 credits"
        assert table["V1–V4: variations of one tile"] == "5 credits"
        for button in (
            "🔄 Reroll",
            "Vary (Strong)",
            "Vary (Subtle)",
            "Vary (Region)",
            "Zoom Out 2x",
            "Zoom Out 1.5x",
            "⬅️ ➡️ ⬆️ ⬇️ Pan",
            "Make Square",
            "Upscale (Subtle)",
            "Upscale (Creative)",
            "Cancel Job",
        ):
            assert table[button].startswith("not published"), button
        assert table["Flux, per image"] == f"{costs.FLUX_PER_IMAGE} credits"
        assert table["Flux upscale ×2–×4"] == f"{costs.FLUX_UPSCALE} credits"
        assert table["Remove background"] == f"{costs.REMOVE_BG} credits"
        assert table["Nano Banana"] == f"{costs.NANO_BANANA} credits"
        assert table["Lumi Girl"] == f"{costs.LUMI_GIRL} credits"
        assert table["Video from two frames"] == f"{costs.MJ_VIDEO} credits"
        assert table["Video extend"] == f"not published; we count {costs.ESTIMATE_VIDEO_EXTEND}"
        assert table["Describe (image to prompts)"] == (
            f"not published; we count {costs.ESTIMATE_DESCRIBE}"
        )
        assert table["Face swap"] == f"not published; we count {costs.ESTIMATE_FACESWAP}"
        assert table["Blend 2–5 images"] == f"not published; we count {costs.ESTIMATE_BLEND}"
        assert table["Prompt enhance (✨ Enhance)"] == "0 credits"
        assert table["Prompt check before a Midjourney submit"] == "0 credits"
        assert table["Progress polling"] == "0 credits"

    def test_names_its_source(self, alice_client):
        html = alice_client.get("/prices/").content.decode()

        assert 'href="https://platform.imaginepro.ai/ai-agent-skill"' in html
        assert "Credit Cost Summary" in html

    def test_is_linked_from_the_balance_in_the_header(self, alice_client):
        html = alice_client.get("/").content.decode()

        header = html[html.index('<li id="credits"') :]
        assert 'href="/prices/"' in header[: header.index("</li>")]

    def test_anyone_may_read_it(self, client):
        response = client.get("/prices/")

        assert response.status_code == 200
        assert "Imagine, fast" in response.content.decode()

    def test_post_is_not_allowed(self, client):
        assert client.post("/prices/").status_code == 405


# --- estimates in plain words on the forms ---------------------------------------------------


def estimate(credits: int) -> str:
    return (
        f'<span class="estimate" title="{costs.ESTIMATE_NOTE[0].upper()}'
        f'{costs.ESTIMATE_NOTE[1:]}.">about {credits} credits</span>'
    )


DEVELOPER_WORDS = ("we count", "price not published", "recorded as an estimate", "counted")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "credits"),
    [
        ("/tools/", costs.ESTIMATE_DESCRIBE),
        ("/tools/describe/", costs.ESTIMATE_DESCRIBE),
        ("/tools/face-swap/", costs.ESTIMATE_FACESWAP),
        ("/tools/blend/", costs.ESTIMATE_BLEND),
    ],
)
def test_a_form_gives_an_unpublished_price_as_about_n_credits(
    alice_client, alice_key, path, credits
):
    html = unescape(alice_client.get(path).content.decode())

    assert unescape(estimate(credits)) in html
    assert not [words for words in DEVELOPER_WORDS if words in html]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields", [{"speed": "turbo"}, {"speed": "fast", "boost": "on"}], ids=["turbo", "boost"]
)
def test_midjourney_turbo_and_boost_cost_about_ten(alice_client, alice_key, fields):
    html = alice_client.post(
        "/new/midjourney/preview/",
        {"prompt": "a fox", "aspect_ratio": "1:1", "key": alice_key.pk, **fields},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert f'<strong id="cost">{estimate(costs.MIDJOURNEY_FAST)}</strong>' in html
    assert not [words for words in DEVELOPER_WORDS if words in html]
