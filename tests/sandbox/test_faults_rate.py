"""The progress rate limit (10 fetches per sliding second per account, then 429) and the
SANDBOX_FAULTS environment string. The rate tests hold the sandbox's clock (sandbox_clock):
"within one second" is then a fact, not a hope about the machine's speed."""

from __future__ import annotations

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from studio.sandbox import faults

pytestmark = pytest.mark.django_db(transaction=True)

FLUX = {"prompt": "a paper boat", "n": 1, "width": 256, "height": 256}


@pytest.fixture
def documented_rate(settings):
    settings.SANDBOX_PROGRESS_RATE = 10


def _fetch(api, message_id: str) -> requests.Response:
    return api.get(f"message/fetch/{message_id}")


def test_eleven_fetches_in_one_second_meet_a_429_with_retry_after(
    api, documented_rate, sandbox_clock
):
    message_id = api.submit("flux/imagine", FLUX)

    answers = [_fetch(api, message_id) for _ in range(11)]

    assert [r.status_code for r in answers] == [200] * 10 + [429]
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["statusCode"] == 429
    assert faults.rate_limited_count(faults.account_for_key(api.key)) == 1
    # Retry-After is honest: a second later the window has moved on.
    sandbox_clock.advance(1)
    assert _fetch(api, message_id).status_code == 200


def test_the_limit_is_per_account(make_api, documented_rate, sandbox_clock):
    busy, calm = make_api(), make_api()
    busy_id = busy.submit("flux/imagine", FLUX)
    calm_id = calm.submit("flux/imagine", FLUX)

    busy_statuses = [_fetch(busy, busy_id).status_code for _ in range(12)]

    assert busy_statuses == [200] * 10 + [429] * 2
    assert _fetch(calm, calm_id).status_code == 200


def test_spaced_fetches_are_never_refused(api, documented_rate, sandbox_clock):
    message_id = api.submit("flux/imagine", FLUX)

    statuses = []
    for _ in range(15):
        statuses.append(_fetch(api, message_id).status_code)
        sandbox_clock.advance(0.15)  # under 7 a second

    assert statuses == [200] * 15
    assert faults.rate_limited_count(faults.account_for_key(api.key)) == 0


def test_video_fetch_counts_too_but_submits_do_not(api, documented_rate, sandbox_clock):
    message_id = api.submit("flux/imagine", FLUX)
    for _ in range(12):
        api.get(f"video/mj/fetch/{message_id}")

    assert api.get(f"midjourney/message/{message_id}").status_code == 429
    assert api.post("flux/imagine", FLUX).status_code == 200


def test_zero_turns_the_limit_off(api, settings):
    settings.SANDBOX_PROGRESS_RATE = 0
    message_id = api.submit("flux/imagine", FLUX)

    assert {_fetch(api, message_id).status_code for _ in range(15)} == {200}


# --- SANDBOX_FAULTS --------------------------------------------------------------------------


def test_env_string_is_parsed_into_whole_sandbox_faults():
    parsed = faults.parse_env(
        "latency:on=submit:seconds=2; http_429:on=fetch:probability=0.2:seconds=3;"
        "fail:remaining=4:text=Upstream: model crashed"
    )

    assert [(f.kind, f.on, f.account_id) for f in parsed] == [
        ("latency", "submit", None),
        ("http_429", "fetch", None),
        ("fail", "submit", None),
    ]
    assert (parsed[0].seconds, parsed[1].probability, parsed[1].seconds) == (2.0, 0.2, 3.0)
    assert (parsed[2].remaining, parsed[2].text) == (4, "Upstream: model crashed")
    assert faults.parse_env("") == []


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("explode", "Unknown fault kind 'explode'"),
        ("latency:seconds", "'seconds' in 'latency:seconds' is not one of"),
        ("latency:colour=red", "is not one of on=, remaining="),
        ("http_429:probability=2", "between 0 and 1"),
        ("latency:seconds=soon", "seconds must be a number, not 'soon'"),
        ("fail:on=files", "concerns submits only"),
        ("http_500:remaining=1.5", "remaining must be a whole number"),
    ],
)
def test_a_bad_env_string_stops_with_a_sentence(spec, words):
    with pytest.raises(ImproperlyConfigured, match="SANDBOX_FAULTS") as raised:
        faults.parse_env(spec)
    assert words in str(raised.value)


def test_env_faults_apply_over_http_and_count_remaining_in_memory(api, settings):
    settings.SANDBOX_FAULTS = "http_502:on=submit:remaining=1;latency:on=fetch:seconds=0"

    assert api.post("flux/imagine", FLUX).status_code == 502
    assert api.post("flux/imagine", FLUX).status_code == 200
    assert faults.env_faults()[0].remaining == 1  # the parsed fault itself is not rewritten
