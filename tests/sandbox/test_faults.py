"""Injected faults, seen on the wire: every kind over real HTTP against the live sandbox.

What a client of the sandbox would notice: the status, headers and body it gets (or the reset
or stall instead), whether its job exists and was charged, how the job ends.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from studio.accounts.services import sandbox_key_create
from studio.sandbox import faults
from studio.sandbox.models import SandboxAccount, SandboxFault, SandboxJob

pytestmark = pytest.mark.django_db(transaction=True)

FLUX = {"prompt": "a lighthouse at dusk", "n": 1, "width": 256, "height": 256}


def _account(api) -> SandboxAccount:
    return faults.account_for_key(api.key)


def _jobs(api) -> int:
    return SandboxJob.objects.filter(account=_account(api)).count()


def test_http_429_has_retry_after_and_the_nestjs_body(api):
    faults.inject("http_429", on="fetch", seconds=2.5)
    message_id = _submit_ok(api)

    response = api.get(f"message/fetch/{message_id}")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"  # whole seconds, rounded up
    assert response.json() == {
        "message": "Too Many Requests",
        "error": "Too Many Requests",
        "statusCode": 429,
    }
    assert faults.rate_limited_count(_account(api)) == 1


def _submit_ok(api, body=None) -> str:
    return api.submit("flux/imagine", body or FLUX)


def test_http_500_on_submit_creates_nothing_and_charges_nothing(api):
    credits = api.info()["credits"]
    faults.inject("http_500", on="submit")

    response = api.post("flux/imagine", FLUX)

    assert response.status_code == 500
    assert response.json()["statusCode"] == 500
    assert _jobs(api) == 0
    assert api.info()["credits"] == credits  # account-info is not a submit: no fault


def test_http_502_is_a_proxy_page_not_json(api):
    faults.inject("http_502", on="submit")

    response = api.post("flux/imagine", FLUX)

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text
    with pytest.raises(ValueError):
        response.json()
    assert _jobs(api) == 0


def test_reset_closes_the_connection_without_an_answer(api):
    faults.inject("reset", on="submit", remaining=1)

    with pytest.raises(requests.ConnectionError):
        api.post("flux/imagine", FLUX)
    assert _jobs(api) == 0
    # The fault is used up: the same submit now goes through.
    _submit_ok(api)
    assert _jobs(api) == 1


def test_read_timeout_stalls_then_a_gateway_gives_up(api):
    faults.inject("read_timeout", on="submit", seconds=1.0, remaining=2)

    with pytest.raises(requests.ReadTimeout):
        api.session.post(f"{api.base_url}/flux/imagine", json=FLUX, timeout=0.3)
    patient = api.session.post(f"{api.base_url}/flux/imagine", json=FLUX, timeout=10)

    assert patient.status_code == 504
    assert "Gateway Time-out" in patient.text
    assert _jobs(api) == 0


def test_read_timeout_defaults_past_the_studio_read_timeout(api, settings):
    settings.PROVIDER_TIMEOUT = (1, 0.2)
    faults.inject("read_timeout", on="fetch", remaining=1)
    message_id = _submit_ok(api)

    with pytest.raises(requests.ReadTimeout):
        api.session.get(f"{api.base_url}/message/fetch/{message_id}", timeout=0.2)


def test_latency_delays_the_answer_which_is_normal(api):
    faults.inject("latency", on="fetch", seconds=1.0, remaining=2)
    message_id = _submit_ok(api)

    with pytest.raises(requests.ReadTimeout):
        api.session.get(f"{api.base_url}/message/fetch/{message_id}", timeout=0.3)
    late = api.session.get(f"{api.base_url}/message/fetch/{message_id}", timeout=10)

    assert late.status_code == 200
    assert late.json()["messageId"] == message_id


def test_malformed_json_on_submit_still_creates_and_charges_the_job(api):
    credits = api.info()["credits"]
    faults.inject("malformed_json", on="submit", remaining=1)

    response = api.post("flux/imagine", FLUX)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert response.text.startswith('{"success": true')  # the real answer, cut short
    assert _jobs(api) == 1
    assert api.info()["credits"] == credits - 6


def test_fail_ends_the_job_with_the_given_text_and_refunds_it(api):
    credits = api.info()["credits"]
    faults.inject("fail", text="Midjourney is down for maintenance")

    message = api.wait(_submit_ok(api))

    assert message["status"] == "FAIL"
    assert message["error"] == "Midjourney is down for maintenance"
    assert message["images"] == []
    assert api.info()["credits"] == credits  # charged when accepted, refunded once it failed


def test_never_finish_stays_processing_after_its_would_be_end(api):
    faults.inject("never_finish", remaining=1)
    stuck_id = _submit_ok(api)
    normal_id = _submit_ok(api)  # the same job, made just after, without the fault

    assert api.wait(normal_id)["status"] == "DONE"
    first = api.fetch(stuck_id)
    again = api.fetch(stuck_id)

    assert first["status"] == again["status"] == "PROCESSING"
    assert first["progress"] == again["progress"] < 5
    assert first["uri"] is None


def test_lost_answer_resets_but_the_job_exists_and_is_charged(api):
    credits = api.info()["credits"]
    faults.inject("lost_answer", remaining=1)

    with pytest.raises(requests.ConnectionError):
        api.post("flux/imagine", {**FLUX, "ref": "gen-42"})

    job = SandboxJob.objects.get(account=_account(api))
    assert job.ref == "gen-42"
    assert api.info()["credits"] == credits - 6
    # It can be found the way the studio looks it up: the job itself, then the history.
    assert api.wait(str(job.id))["ref"] == "gen-42"
    history = api.get("nova/images").json()["images"]
    assert [item["id"] for item in history] == [str(job.id)]


def test_lost_answer_with_seconds_holds_the_answer_past_the_timeout(api):
    faults.inject("lost_answer", seconds=1.0, remaining=1)

    with pytest.raises(requests.ReadTimeout):
        api.session.post(f"{api.base_url}/flux/imagine", json=FLUX, timeout=0.3)

    # The job was made although its answer never came (on a busy machine the sandbox may
    # still be making it when the client gives up: wait for it, within a generous bound).
    end = time.monotonic() + 10
    while _jobs(api) == 0 and time.monotonic() < end:
        time.sleep(0.05)
    assert _jobs(api) == 1


def test_a_fault_for_one_key_leaves_other_keys_alone(make_api):
    hit, spared = make_api(label="hit"), make_api(label="spared")
    faults.inject("http_500", account=_account(hit))

    assert hit.post("flux/imagine", FLUX).status_code == 500
    assert spared.post("flux/imagine", FLUX).status_code == 200


def test_a_whole_sandbox_fault_hits_every_key(make_api):
    one, two = make_api(), make_api()
    faults.inject("http_502", on="submit")

    assert one.post("flux/imagine", FLUX).status_code == 502
    assert two.post("flux/imagine", FLUX).status_code == 502


def test_remaining_counts_down_then_the_fault_stops(api):
    fault = faults.inject("http_500", on="submit", remaining=2)

    statuses = [api.post("flux/imagine", FLUX).status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    fault.refresh_from_db()
    assert fault.remaining == 0


def test_probability_zero_never_applies(api):
    faults.inject("http_500", probability=0.0)

    assert api.post("flux/imagine", FLUX).status_code == 200


def test_on_chooses_which_requests(api):
    faults.inject("http_500", on="fetch")
    message_id = _submit_ok(api)  # a submit is not a fetch

    assert api.get(f"message/fetch/{message_id}").status_code == 500
    assert api.get(f"video/mj/fetch/{message_id}").status_code == 500
    assert api.get("nova/images").status_code == 200


def test_history_faults(api):
    faults.inject("http_429", on="history", seconds=4)

    response = api.get("nova/images")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "4"


def test_check_faults_apply_to_the_prompt_check_only(api):
    faults.inject("http_500", on="check")

    assert api.post("nova/prompt-check", {"prompt": "a quiet harbour"}).status_code == 500
    _submit_ok(api)  # a submit is not a check


def test_file_faults_apply_to_the_result_files(api):
    message = api.wait(_submit_ok(api))
    url = message["images"][0]
    whole = requests.get(url, timeout=10).content
    faults.inject("malformed_json", on="files", remaining=1)
    faults.inject("http_502", account=_account(api), on="files", remaining=1)

    assert requests.get(url, timeout=10).status_code == 502  # the account's own fault first
    truncated = requests.get(url, timeout=10)
    assert truncated.status_code == 200
    assert 0 < len(truncated.content) < len(whole)
    assert whole.startswith(truncated.content)
    assert requests.get(url, timeout=10).content == whole


def test_clear_removes_the_accounts_or_the_global_faults(make_api):
    one = make_api()
    account = _account(one)
    faults.inject("http_500", account=account)
    faults.inject("http_502", account=account)
    faults.inject("latency")

    assert faults.clear(account) == 2
    assert SandboxFault.objects.count() == 1
    faults.inject("http_500", account=account)
    assert faults.clear(all=True) == 2
    assert one.post("flux/imagine", FLUX).status_code == 200


def test_account_for_key_finds_a_studio_sandbox_key(alice):
    key = sandbox_key_create(user=alice)

    account = faults.account_for_key(key.api_key)

    assert account is not None and account.key_last4 == key.api_key[-4:]
    assert faults.account_for_key(key) == account
    assert faults.account_for_key("sk-sandbox-unknown") is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": "explode"}, "Unknown fault kind"),
        ({"kind": "http_500", "on": "everything"}, "Unknown request class"),
        ({"kind": "fail", "on": "fetch"}, "concerns submits only"),
        ({"kind": "latency", "probability": 1.5}, "between 0 and 1"),
        ({"kind": "latency", "remaining": -1}, "0 or more"),
        ({"kind": "latency", "seconds": -2}, "0 or more"),
    ],
)
def test_inject_refuses_bad_faults_with_a_sentence(kwargs, words):
    kind = kwargs.pop("kind")
    with pytest.raises(ValueError, match=words):
        faults.inject(kind, **kwargs)
    assert SandboxFault.objects.count() == 0


def test_job_kinds_given_on_any_apply_to_submits_only(api):
    fault = faults.inject("fail", remaining=1)
    assert fault.on == "submit"
    api.get("subscription/account-info")  # not a submit: does not use it up

    assert api.wait(_submit_ok(api))["status"] == "FAIL"
