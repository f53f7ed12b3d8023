"""Accounts, keys, credits per action, and the account-info endpoint."""

from __future__ import annotations

import re
import threading

import pytest

from studio.sandbox.imaginepro.services import sandbox_account_create, sandbox_account_credits
from studio.sandbox.models import SandboxAccount

from .conftest import SandboxClient, solid

pytestmark = pytest.mark.django_db(transaction=True)


def test_account_create_returns_a_key_stored_only_as_a_hash():
    key = sandbox_account_create(label="alice")
    assert re.fullmatch(r"sk-sandbox-[0-9a-f]{32}", key)
    assert sandbox_account_credits(api_key=key) == 1000
    assert sandbox_account_credits(api_key=key + "0") is None
    account = SandboxAccount.objects.get()
    assert key not in {account.key_hash, account.email, account.label}
    other = sandbox_account_create(label="bob", credits=7)
    assert other != key and sandbox_account_credits(api_key=other) == 7


def test_account_info(api):
    info = api.info()
    assert info["type"] == "SANDBOX"
    assert (info["creditsQuota"], info["credits"], info["creditsExtra"]) == (1000, 1000, 0)
    assert info["expiredAt"].endswith("Z")  # as the docs' pages write times
    assert "@" in info["email"]


def test_each_action_costs_its_documented_price(api):
    api.submit("nova/imagine", {"prompt": "fast"})
    assert api.info()["credits"] == 990
    api.submit("nova/imagine", {"prompt": "slow --relax"})
    assert api.info()["credits"] == 985
    api.submit("nova/imagine", {"prompt": "quick --turbo"})
    assert api.info()["credits"] == 975
    api.submit("flux/imagine", {"prompt": "x", "n": 3})
    assert api.info()["credits"] == 957
    assert sandbox_account_credits(api_key=api.key) == 957


def test_insufficient_credits_is_401_and_charges_nothing(make_api):
    api = make_api(credits=15)
    message_id = api.submit("nova/imagine", {"prompt": "one"})
    response = api.post("nova/imagine", {"prompt": "two"})
    assert response.status_code == 401
    assert response.json() == {
        "message": "Insufficient credits",
        "error": "Unauthorized",
        "statusCode": 401,
    }
    assert api.info()["credits"] == 5
    assert api.post("flux/imagine", {"prompt": "x"}).status_code == 401
    api.wait(message_id)
    assert api.post("nova/button", {"messageId": message_id, "button": "U1"}).status_code == 200
    assert api.info()["credits"] == 0
    assert api.post("nova/imagine", {"prompt": "x --relax"}).status_code == 401


def test_concurrent_submits_cannot_overdraw(make_api):
    api = make_api(credits=25)
    statuses: list[int] = []

    def submit() -> None:
        own = SandboxClient(api.base_url, api.key)  # one session per thread
        statuses.append(own.post("nova/imagine", {"prompt": "race"}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 401, 401, 401, 401]
    assert api.info()["credits"] == 5


def _priced_requests(image_host) -> dict[str, tuple[dict, int]]:
    """One valid body per charged endpoint and its price (https://platform.imaginepro.ai/ai-agent-skill; GUESS where noted in code)."""
    picture = image_host.add("p.png", solid((200, 120, 40), (64, 48)))
    return {
        "universal/imagine": ({"contents": [{"type": "text", "text": "x"}]}, 6),
        "gemini/imagine": ({"contents": [{"type": "text", "text": "x"}]}, 6),
        "universal/zimage": ({"prompt": "x", "width": 64, "height": 64}, 6),
        "video/mj/generate": ({"startFrameUrl": picture, "endFrameUrl": picture}, 10),
        "flux/upscale": ({"image": picture, "scale": 2}, 2),
        "tools/remove-bg": ({"image": picture}, 5),
        "nova/describe": ({"url": picture}, 5),
        "midjourney/describe": ({"url": picture}, 5),
        "nova/faceswap": ({"source": picture, "target": picture}, 5),
        "midjourney/faceswap": ({"source": picture, "target": picture}, 5),
        "nova/blend": ({"urls": [picture, picture]}, 10),
        "midjourney/blend": ({"urls": [picture, picture]}, 10),
        "nova/boost/imagine": ({"prompt": "x"}, 10),
    }


def test_every_new_endpoint_charges_its_price(api, image_host):
    balance = 1000
    for path, (body, price) in _priced_requests(image_host).items():
        api.submit(path, body)
        balance -= price
        assert api.info()["credits"] == balance, path
    for free in ("tools/prompt-extend", "nova/prompt-check"):
        assert api.post(free, {"prompt": "x"}).status_code == 200
    assert api.info()["credits"] == balance


def test_every_new_endpoint_refuses_when_credits_are_short(make_api, image_host):
    for path, (body, price) in _priced_requests(image_host).items():
        api = make_api(credits=price - 1)
        response = api.post(path, body)
        assert response.status_code == 401, path
        assert response.json()["message"] == "Insufficient credits"
        assert api.info()["credits"] == price - 1
    assert image_host.hits == []  # refused before any input was fetched
