"""ImagineLab sandbox wallet and limits (https://api.imagineview.art "Credits & Wallet", "Errors & Limits"): the
balance, the packages, 402 when the wallet is short (nothing created, nothing charged), and
the per-account rate limit's 429 with Retry-After (counted on the sandbox's clock, which the
rate tests hold and step: "in one second" is then a fact on any machine)."""

from __future__ import annotations

import pytest

from studio.sandbox.imaginelab.models import SandboxLabAccount, SandboxLabGeneration

pytestmark = pytest.mark.django_db(transaction=True)


def test_wallet_shows_the_balance_in_credits(make_lab):
    api = make_lab(credits=37)
    response = api.get("credits/wallet")
    assert response.status_code == 200
    assert response.json() == {"balance": 37, "currency": "credits"}


def test_packages_list_name_credits_and_price(lab):
    response = lab.get("credits/packages")
    assert response.status_code == 200
    packages = response.json()
    assert len(packages) >= 2
    for package in packages:
        assert {"name", "credits", "price", "currency"} <= set(package)
        assert package["credits"] > 0


def test_a_short_wallet_is_a_402_that_creates_and_charges_nothing(make_lab):
    api = make_lab(credits=12)
    api.create("image", "lumen-xl", "first")  # 7: leaves 5
    refused = api.post(
        "generations",
        {"generation_type": "music", "model_name": "harmonia-1", "prompt": "second"},
    )
    assert refused.status_code == 402
    assert refused.json() == {"detail": "Insufficient credits"}
    assert api.balance() == 5
    assert SandboxLabGeneration.objects.count() == 1
    assert api.get("generations").json()["total"] == 1
    # What still fits is accepted: exactly the balance.
    assert api.create("image", "seedream-5.0-lite", "third")["credit_cost"] == 5
    assert api.balance() == 0


def test_the_eleventh_request_in_a_second_is_rate_limited(lab, sandbox_clock):
    sandbox_clock.advance(1.05)  # a fresh window (sign-in used none, but be exact)
    statuses = [lab.get("credits/wallet").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    limited = lab.get("credits/wallet")
    assert limited.status_code == 429
    assert limited.json() == {"detail": "Rate limit exceeded"}
    assert limited.headers["Retry-After"] == "1"
    sandbox_clock.advance(1.05)
    assert lab.get("credits/wallet").status_code == 200


def test_the_limit_is_per_account(make_lab, sandbox_clock):
    busy, other = make_lab(), make_lab()
    sandbox_clock.advance(1.05)
    statuses = [busy.get("credits/wallet").status_code for _ in range(12)]
    assert statuses == [200] * 10 + [429] * 2
    assert other.get("credits/wallet").status_code == 200


def test_the_rate_setting_changes_or_disables_the_limit(lab, settings, sandbox_clock):
    settings.SANDBOX_IMAGINELAB_RATE = 0
    assert {lab.get("credits/wallet").status_code for _ in range(25)} == {200}
    settings.SANDBOX_IMAGINELAB_RATE = 2
    sandbox_clock.advance(1.05)
    assert [lab.get("credits/wallet").status_code for _ in range(3)] == [200, 200, 429]


def test_forced_429s_answer_the_next_requests_then_stop(lab):
    SandboxLabAccount.objects.filter(email=lab.email).update(force_429=2)
    body = {"generation_type": "text", "model_name": "scribe-1", "prompt": "hi"}
    before = SandboxLabGeneration.objects.count()
    first, second, third = (lab.post("generations", body) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 201)
    assert first.headers["Retry-After"] == "1"
    assert SandboxLabGeneration.objects.count() == before + 1  # a 429 creates nothing
