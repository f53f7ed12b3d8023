"""The sandbox's DIY plan over HTTP: tokens, toggle, commands, traces, the queue that really
pauses, reboot, linked accounts and the ban list (docs/provider-contract.md §3.18, docs/architecture.md "Providers")."""

from __future__ import annotations

import pytest

from studio.sandbox.imaginepro.lifecycle import DURATIONS
from studio.sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)

IMAGINE = {"prompt": "a red circle --ar 1:1"}


def _tokens(api) -> list[dict]:
    response = api.get("discord/tokens")
    assert response.status_code == 200, response.text
    return response.json()


def test_tokens_are_the_documented_objects(api):
    tokens = _tokens(api)
    assert isinstance(tokens, list) and len(tokens) == 3
    assert {t["status"] for t in tokens} == {"FAST", "RELAX", "BANNED"}
    first = tokens[0]
    assert set(first) >= {"id", "token", "channelId", "serverId", "isActive", "status"}
    assert isinstance(first["id"], int) and isinstance(first["concurrency"], int)
    assert first["info"]["fastTimeRemaining"] == "15.00/15.0 hours (100.00%)"
    relax = next(t for t in tokens if t["status"] == "RELAX")
    assert relax["info"]["fastTimeRemaining"] == "199.00/200.0 minutes (99.50%)"
    assert relax["info"]["jobMode"] == "Relax"
    # The same three on every call (created once), and one by id as a one-item array.
    assert [t["id"] for t in _tokens(api)] == [t["id"] for t in tokens]
    one = api.get(f"discord/token/{first['id']}").json()
    assert isinstance(one, list) and one[0]["id"] == first["id"]


def test_tokens_are_per_account(make_api):
    alice, bob = make_api(), make_api()
    token_id = _tokens(alice)[0]["id"]
    assert bob.get(f"discord/token/{token_id}").status_code == 404
    response = bob.session.put(f"{bob.base_url}/discord/token/{token_id}", json={"isActive": False})
    assert response.status_code == 404
    assert response.json() == {
        "message": "Token not found",
        "error": "Not Found",
        "statusCode": 404,
    }


def test_toggle_makes_a_token_verifying_and_back(api):
    token = _tokens(api)[0]
    url = f"{api.base_url}/discord/token/{token['id']}"
    answer = api.session.put(url, json={"isActive": False}).json()
    assert answer[0]["isActive"] is False and answer[0]["status"] == "VERIFYING"
    assert "info" not in answer[0]
    assert _tokens(api)[0]["status"] == "VERIFYING"
    answer = api.session.put(url, json={"isActive": "true"}).json()  # the archive's string form
    assert answer[0]["status"] == "FAST"
    bad = api.session.put(url, json={"isActive": "maybe"})
    assert bad.status_code == 400 and bad.json()["message"] == "isActive must be a boolean value."
    banned = next(t for t in _tokens(api) if t["status"] == "BANNED")
    refused = api.session.put(
        f"{api.base_url}/discord/token/{banned['id']}", json={"isActive": True}
    )
    assert refused.status_code == 400 and "banned" in refused.json()["message"]


def test_commands_change_the_mode_and_answer_in_the_message(api):
    token = _tokens(api)[0]
    message_id = api.submit("nova/commands", {"cmd": "relax", "tokenId": token["id"]})
    done = api.wait(message_id)
    assert done["status"] == "DONE" and "do not consume fast-hours" in done["prompt"]
    assert _tokens(api)[0]["status"] == "RELAX"
    assert _tokens(api)[0]["info"]["jobMode"] == "Relax"
    info = api.wait(api.submit("nova/commands", {"cmd": "info", "tokenId": token["id"]}))
    assert "Job Mode: Relax" in info["prompt"]
    assert "Fast Time Remaining: 15.00/15.0 hours (100.00%)" in info["prompt"]
    api.wait(api.submit("nova/commands", {"cmd": "turbo", "tokenId": str(token["id"])}))
    turbo = _tokens(api)[0]
    assert turbo["status"] == "FAST" and turbo["info"]["jobMode"] == "Turbo"
    # Commands are free and are not history images.
    assert api.info()["credits"] == api.info()["creditsQuota"]
    assert api.get("nova/images").json() == {"images": []}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"cmd": "info"}, 400, "tokenId is required."),
        ({"cmd": "info", "tokenId": "x"}, 400, "tokenId must be an integer number"),
        ({"cmd": "dance", "tokenId": 1}, 400, "cmd must be one of the following values"),
        ({"cmd": "info", "tokenId": 999999}, 404, "Token not found"),
    ],
)
def test_command_errors(api, body, status, message):
    response = api.post("nova/commands", body)
    assert response.status_code == status
    assert response.json()["message"].startswith(message)


def test_trace_names_the_token_that_ran_the_job(api):
    message_id = api.submit("nova/imagine", IMAGINE)
    trace = api.get(f"message/trace/{message_id}").json()
    tokens = {t["id"]: t for t in _tokens(api)}
    assert trace["messageId"] == message_id
    assert tokens[trace["tokenId"]]["status"] in ("FAST", "RELAX")
    assert trace["discordChannelId"] == tokens[trace["tokenId"]]["channelId"]
    assert "fastTimeRemaining" in trace["tokenInfo"]
    assert api.get("message/trace/00000000-0000-0000-0000-000000000000").status_code == 404
    flux = api.submit("flux/imagine", {"prompt": "a square"})
    assert api.get(f"message/trace/{flux}").status_code == 404


def _count(api) -> dict:
    response = api.get("diy/queue/count")
    assert response.status_code == 200, response.text
    return response.json()


def test_paused_queue_holds_jobs_until_resumed(api, sandbox_clock):
    """While paused, a submitted job stays QUEUED with no progress; after resume it runs to
    DONE. A job still queued at the moment of pausing waits too. The sandbox's clock is
    stepped, so "still queued" and "would be done by now" hold on any machine."""
    before = api.submit("nova/imagine", IMAGINE)  # QUEUED until the clock moves
    paused = api.post("diy/queue/pause").json()
    assert paused["success"] is True and paused["paused"] is True
    during = api.submit("nova/imagine", IMAGINE)
    flux = api.submit("flux/imagine", {"prompt": "not on the DIY queue"})
    sandbox_clock.advance(60)  # at any scale a grid would be DONE by now
    for message_id in (before, during):
        message = api.fetch(message_id)
        assert (message["status"], message["progress"]) == ("QUEUED", 0)
    assert _count(api)["count"] == 2 and _count(api)["paused"] is True
    assert api.fetch(flux)["status"] == "DONE"
    assert api.post("diy/queue/resume").json()["paused"] is False
    assert api.fetch(before)["status"] == "QUEUED"  # the rest of its queue time, from now
    sandbox_clock.advance(60)
    assert api.fetch(before)["status"] == "DONE"
    assert api.fetch(during)["status"] == "DONE"
    assert _count(api)["count"] == 0


def test_reboot_fails_running_jobs_and_keeps_queued_ones(api, settings, sandbox_clock):
    settings.SANDBOX_TIME_SCALE = 1.0  # a grid: queued 3 s, processing 22 s of the held clock
    running = api.submit("nova/imagine", IMAGINE)
    sandbox_clock.advance(DURATIONS["grid"][0] + 1)
    assert api.fetch(running)["status"] == "PROCESSING"
    api.post("diy/queue/pause")
    queued = api.submit("nova/imagine", IMAGINE)
    answer = api.post("diy/queue/reboot").json()
    assert answer["rebooted"] == 1 and answer["count"] == 1 and answer["paused"] is True
    failed = api.fetch(running)
    assert failed["status"] == "FAIL" and "rebooted" in failed["error"]
    assert api.fetch(queued)["status"] == "QUEUED"
    api.post("diy/queue/resume")
    sandbox_clock.advance(60)
    assert api.fetch(queued)["status"] == "DONE"


def test_cancel_releases_a_held_job(api):
    api.post("diy/queue/pause")
    held = api.submit("nova/imagine", IMAGINE)
    cancel = api.post("nova/button", {"messageId": held, "button": "Cancel Job"})
    assert cancel.status_code == 200, cancel.text
    assert api.fetch(held)["error"] == "Job cancelled"
    api.post("diy/queue/resume")
    assert api.fetch(held)["status"] == "FAIL"


def test_linked_accounts_and_their_queues(api):
    api.post("diy/queue/pause")
    message_id = api.submit("nova/imagine", IMAGINE)
    accounts = api.get("diy/accounts").json()
    assert [a["status"] for a in accounts] == ["FAST", "RELAX", "BANNED"]
    assert all("token" not in a for a in accounts)
    busy = next(a for a in accounts if a["queuedJobs"])
    assert busy["queuedJobs"] == 1 and busy["runningJobs"] == 0
    queue = api.get(f"diy/accounts/{busy['id']}/queue").json()
    assert queue["paused"] is True
    assert [job["messageId"] for job in queue["queued"]] == [message_id]
    assert queue["running"] == []
    assert api.get("diy/accounts/999999/queue").status_code == 404


def test_jobs_go_to_the_least_busy_active_token(api):
    api.post("diy/queue/pause")
    traces = []
    for _ in range(4):
        message_id = api.submit("nova/imagine", IMAGINE)
        traces.append(api.get(f"message/trace/{message_id}").json()["tokenId"])
    active = [t["id"] for t in _tokens(api) if t["status"] != "BANNED"]
    assert sorted(traces) == sorted(active * 2)


def test_ban_list_refuses_matching_prompts(api):
    assert api.get("diy/ban-words").json() == {"words": []}
    saved = api.post("diy/ban-words", {"words": [" Gore ", "gore", "blood  bath", ""]}).json()
    assert saved == {"words": ["Gore", "blood bath"]}
    assert api.get("diy/ban-words").json() == saved
    credits = api.info()["credits"]
    for path, body in [
        ("nova/imagine", {"prompt": "so much GORE here"}),
        ("flux/imagine", {"prompt": "a Blood   Bath scene"}),
        ("universal/imagine", {"contents": [{"type": "text", "text": "Image creation: gore"}]}),
    ]:
        response = api.post(path, body)
        assert response.status_code == 400, path
        assert response.json()["message"].startswith("Banned prompt detected: ")
        assert response.json()["error"] == "Bad Request"
    assert api.info()["credits"] == credits  # nothing spent
    check = api.post("nova/prompt-check", {"prompt": "gore"}).json()
    assert check == {"status": "FAIL", "message": 'Banned prompt detected: "Gore"'}
    # Whole words only, and the list can be emptied again.
    assert api.post("nova/imagine", {"prompt": "gorengan snack"}).status_code == 200
    api.post("diy/ban-words", {"words": []})
    assert api.post("nova/imagine", {"prompt": "gore"}).status_code == 200


@pytest.mark.parametrize("body", [{"words": "gore"}, {"words": [1, 2]}, {}])
def test_ban_list_bad_bodies(api, body):
    response = api.post("diy/ban-words", body)
    assert response.status_code == 400
    assert response.json()["message"] == "words must be an array of strings."


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "discord/tokens"),
        ("get", "discord/token/1"),
        ("get", "message/trace/00000000-0000-0000-0000-000000000000"),
        ("post", "nova/commands"),
        ("get", "diy/queue/count"),
        ("post", "diy/queue/pause"),
        ("post", "diy/queue/resume"),
        ("post", "diy/queue/reboot"),
        ("get", "diy/ban-words"),
        ("post", "diy/ban-words"),
        ("get", "diy/accounts"),
        ("get", "diy/accounts/1/queue"),
    ],
)
def test_other_plans_get_403_and_strangers_401(make_api, method, path):
    api = make_api()
    SandboxAccount.objects.filter(label="test").update(diy=False)
    response = getattr(api, method)(path)
    assert response.status_code == 403
    assert "DIY plan" in response.json()["message"]
    anonymous = type(api)(api.base_url, None)
    assert getattr(anonymous, method)(path).status_code == 401
