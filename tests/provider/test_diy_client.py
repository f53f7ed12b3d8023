"""The client's DIY-plan methods against the sandbox over real HTTP, and their lenient
readers against answers shaped like the provider's documents (docs/provider-contract.md §3.18)."""

from __future__ import annotations

import time

import pytest

from studio.provider.errors import ProviderError
from studio.provider.imaginepro import diy
from studio.provider.imaginepro.client import ImagineProClient
from studio.sandbox.imaginepro.services import sandbox_account_create
from studio.sandbox.models import SandboxAccount
from tests.console.scripted import scripted  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(sandbox_url) -> ImagineProClient:
    return ImagineProClient(base_url=sandbox_url, api_key=sandbox_account_create(label="diy"))


def _final(client, message_id, limit=10.0):
    deadline = time.monotonic() + limit
    while not (message := client.fetch_message(message_id)).is_final:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return message


def test_tokens_toggle_and_command(client):
    tokens = client.discord_tokens()
    assert [t.status for t in tokens] == ["FAST", "RELAX", "BANNED"]
    first = tokens[0]
    assert first.fast_time.remaining == 15.0 and first.fast_time.unit == "hours"
    assert first.token not in repr(first)  # the secret stays out of logs and tracebacks
    assert first.masked == f"{first.token[:4]}…{first.token[-4:]}"
    assert client.discord_token(first.id).id == first.id
    toggled = client.discord_token_toggle(first.id, False)
    assert toggled.is_active is False and toggled.status == "VERIFYING"
    client.discord_token_toggle(first.id, True)
    sent = client.command(cmd="relax", token_id=first.id)
    assert "fast-hours" in _final(client, sent.message_id).prompt
    assert client.discord_token(first.id).status == "RELAX"


def test_queue_accounts_and_trace(client):
    assert client.queue_pause().paused is True
    job = client.imagine(prompt="a blue square")
    state = client.queue_count()
    assert (state.count, state.paused) == (1, True)
    trace = client.message_trace(job.message_id)
    accounts = {a.id: a for a in client.diy_accounts()}
    assert accounts[trace.token_id].queued_jobs == 1
    queue = client.diy_account_queue(trace.token_id)
    assert [j.message_id for j in queue.queued] == [job.message_id]
    assert client.queue_reboot().rebooted == 0
    assert client.queue_resume().paused is False
    assert _final(client, job.message_id).status == "DONE"


def test_ban_words_round_trip_and_refusal(client):
    assert client.ban_words() == []
    assert client.ban_words_update(["gore", " Gore", "blood bath"]) == ["gore", "blood bath"]
    assert client.ban_words() == ["gore", "blood bath"]
    with pytest.raises(ProviderError) as caught:
        client.imagine(prompt="a gore scene")
    assert caught.value.status == 400
    assert str(caught.value) == 'The provider rejected the request: Banned prompt detected: "gore"'


def test_other_plan_is_403_with_a_sentence(client, sandbox_url):
    key = sandbox_account_create(label="not-diy")
    SandboxAccount.objects.filter(label="not-diy").update(diy=False)
    other = ImagineProClient(base_url=sandbox_url, api_key=key)
    with pytest.raises(ProviderError) as caught:
        other.queue_count()
    assert caught.value.status == 403 and "DIY plan" in str(caught.value)


def test_unknown_trace_and_token_are_404(client):
    with pytest.raises(ProviderError) as caught:
        client.message_trace("no-such/../message")
    assert caught.value.status == 404
    with pytest.raises(ProviderError):
        client.discord_token(987654)
    with pytest.raises(ValueError):
        client.discord_token("1/../../subscription/account-info")


def test_malformed_answers_are_provider_errors(scripted):  # noqa: F811
    client = ImagineProClient(base_url=scripted.base_url, api_key="sk-test")
    scripted.answer("/discord/tokens", 200, {"unexpected": True})
    scripted.answer("/diy/queue/count", 200, b"<html>oops</html>")
    scripted.answer("/diy/ban-words", 200, {"words": "gore"})
    with pytest.raises(ProviderError, match="token list answer was unreadable"):
        client.discord_tokens()
    with pytest.raises(ProviderError, match="not valid JSON"):
        client.queue_count()
    with pytest.raises(ProviderError, match="ban list answer was unreadable"):
        client.ban_words()


@pytest.mark.parametrize(
    ("text", "remaining", "total", "unit", "percent"),
    [
        ("199.00/200.0 minutes (99.50%)", 199.0, 200.0, "minutes", 99.5),
        ("15.00/15.0 hours (100.00%)", 15.0, 15.0, "hours", 100.0),
        ("0.00/200.0 minutes (0.00%)", 0.0, 200.0, "minutes", 0.0),
        ("3.2/15 hrs", 3.2, 15.0, "hours", 21.33),
        ("12/15h", 12.0, 15.0, "hours", 80.0),
        ("1,234.5/2,000.0 minutes (61.73%)", 1234.5, 2000.0, "minutes", 61.73),
        ("Fast Time Remaining: 45.5/60 mins", 45.5, 60.0, "minutes", 75.83),
        ("45 minutes", 45.0, None, "minutes", None),
        ("99.5%", None, None, "minutes", 99.5),
    ],
)
def test_fast_time_parsing(text, remaining, total, unit, percent):
    parsed = diy.parse_fast_time(text)
    assert (parsed.remaining, parsed.total, parsed.unit, parsed.percent) == (
        remaining,
        total,
        unit,
        percent,
    )


@pytest.mark.parametrize("text", [None, "", "None", "unlimited", "n/a"])
def test_fast_time_without_numbers_is_none(text):
    assert diy.parse_fast_time(text) is None


def test_fast_time_in_minutes():
    assert diy.parse_fast_time("15.00/15.0 hours (100.00%)").total_minutes == 900.0
    assert diy.parse_fast_time("199.00/200.0 minutes (99.50%)").remaining_minutes == 199.0


def test_documented_shapes_are_read():
    """Examples of §3.18: a token id as a number, the trace's tokenId as a string, the
    toggle answer as an array without info, the archive's `"isActive": "string"`."""
    token = diy.parse_one_token(
        [{"id": 198, "token": "abc.def.ghijklmnop", "isActive": "false", "status": "fast"}]
    )
    assert (token.id, token.is_active, token.status, token.info) == ("198", False, "FAST", {})
    trace = diy.parse_trace({"messageId": "m", "tokenId": "111", "tokenStatus": "RELAX"})
    assert trace.token_id == "111" and trace.fast_time is None
    accounts = diy.parse_accounts(
        {
            "data": [
                {
                    "id": 5,
                    "status": "RELAX",
                    "info": {"runningJobs": "None", "queuedJobsFast": "2", "queuedJobsRelax": "1"},
                }
            ]
        }
    )
    assert (accounts[0].running_jobs, accounts[0].queued_jobs) == (0, 3)
    assert diy.parse_queue_state(7).count == 7
    assert diy.mask_token("short") == "…"
