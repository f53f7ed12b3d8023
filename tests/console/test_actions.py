"""Each console action against the sandbox over real HTTP: the sandbox's state changes, an
audit row records who did what and the provider's answer, and tokens are never shown whole."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from studio.accounts.models import ProviderKey
from studio.accounts.services import sandbox_key_create
from studio.console import enqueue, tasks
from studio.console.models import AuditEntry, ConsoleCommand, ConsoleSettings
from studio.provider.imaginepro.client import ImagineProClient
from studio.sandbox.keys import hash_key as _hash_key
from studio.sandbox.models import SandboxAccount, SandboxDiscordToken, SandboxJob
from tests.factories import ProviderKeyFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db) -> User:
    return UserFactory(username="sam", staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def diy_key(staff, sandbox_url) -> ProviderKey:
    """Sam's sandbox key, chosen as the console's key through the settings page."""
    return ProviderKeyFactory(user=staff)


@pytest.fixture
def console(staff_client, diy_key):
    response = staff_client.post(reverse("console:settings"), {"key": str(diy_key.pk)})
    assert response.status_code == 302
    return staff_client


def _account(key: ProviderKey) -> SandboxAccount:
    return SandboxAccount.objects.get(key_hash=_hash_key(key.api_key))


def _audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


def _text(response) -> str:
    return response.content.decode()


def _flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- the key ----------------------------------------------------------------------------------


def test_choosing_the_key_is_audited(console, diy_key, staff):
    assert ConsoleSettings.load().diy_key == diy_key
    entry = _audit("settings.diy_key")
    assert entry.user == staff and entry.ok and entry.target == "Sandbox"
    assert entry.details == {"key": "Sandbox", "last4": diy_key.last4, "sandbox": True}
    assert diy_key.api_key not in entry.details_text + entry.answer
    page = _text(console.get(reverse("console:settings")))
    assert "In use: <strong>Sandbox</strong>" in page


def test_someone_elses_key_cannot_be_chosen(staff_client, diy_key, alice, sandbox_url):
    other = sandbox_key_create(user=alice)
    response = staff_client.post(reverse("console:settings"), {"key": str(other.pk)}, follow=True)
    assert "Choose one of your own keys" in _text(response)
    response = staff_client.post(reverse("console:settings"), {"key": "not-a-uuid"}, follow=True)
    assert "Choose one of your own keys" in _text(response)
    assert ConsoleSettings.load().diy_key is None


def test_a_key_off_the_diy_plan_is_refused(staff_client, diy_key):
    SandboxAccount.objects.filter(pk=_account(diy_key).pk).update(diy=False)
    response = staff_client.post(reverse("console:settings"), {"key": str(diy_key.pk)}, follow=True)
    assert (
        "That key cannot run the console: The provider refused access: This endpoint is only"
        in (_text(response))
    )
    assert ConsoleSettings.load().diy_key is None
    assert _audit("settings.diy_key").ok is False


def test_without_a_key_pages_say_so_and_actions_are_audited(staff_client, staff):
    assert "no DIY key yet" in _text(staff_client.get(reverse("console:index")))
    assert "no DIY key yet" in _text(staff_client.get(reverse("console:tokens")))
    response = staff_client.post(reverse("console:queue_pause"), follow=True)
    assert "no DIY key yet" in _text(response)
    entry = _audit("queue.pause")
    assert entry.ok is False and entry.user == staff


# --- the queue --------------------------------------------------------------------------------


def test_pause_resume_and_reboot(console, diy_key, staff):
    account = _account(diy_key)
    page = _text(console.get(reverse("console:index")))
    assert 'id="queue-count">0<' in page and "Pause the queue" in page
    assert 'hx-trigger="every 5s"' in page

    response = console.post(reverse("console:queue_pause"), follow=True)
    assert "Queue paused. 0 job(s) waiting." in _flash(response)
    account.refresh_from_db()
    assert account.queue_paused_at is not None
    entry = _audit("queue.pause")
    assert entry.user == staff and entry.ok and entry.answer.startswith("Queue paused: 0 jobs")
    assert ">Paused<" in _text(response) and "Resume the queue" in _text(response)

    # A job submitted now waits; the partial the page polls counts it.
    client = ImagineProClient(base_url=diy_key.base_url, api_key=diy_key.api_key)
    client.imagine(prompt="a cat")
    partial = _text(console.get(reverse("console:queue_status"), HTTP_HX_REQUEST="true"))
    assert partial.lstrip().startswith('<section id="queue-status"')
    assert 'id="queue-count">1<' in partial and "<html" not in partial

    confirm = _text(console.get(reverse("console:queue_reboot")))
    assert "Every job running at the moment you confirm fails" in confirm
    assert "Jobs still waiting at that moment stay in the queue" in confirm
    response = console.post(reverse("console:queue_reboot"), follow=True)
    [said] = [m for m in _flash(response) if m.startswith("Queue rebooted")]
    assert said.startswith("Queue rebooted: 0 running jobs failed, 1 waiting job kept in the queue")
    assert _audit("queue.reboot").answer == said

    response = console.post(reverse("console:queue_resume"), follow=True)
    account.refresh_from_db()
    assert account.queue_paused_at is None
    assert _audit("queue.resume").ok
    assert "Pause the queue" in _text(response)


# --- accounts and tokens ------------------------------------------------------------------------


def test_linked_accounts_with_fast_time(console, diy_key):
    page = _text(console.get(reverse("console:accounts")))
    for status in ("FAST", "RELAX", "BANNED"):
        assert f'class="badge status-{status}"' in page
    assert "15 of 15 hours" in page and "100 %" in page
    assert "199 of 200 minutes" in page and "99.5 %" in page
    assert "0 of 200 minutes" in page


def test_an_account_queue_lists_its_jobs(console, diy_key):
    console.post(reverse("console:queue_pause"))
    client = ImagineProClient(base_url=diy_key.base_url, api_key=diy_key.api_key)
    message_id = client.imagine(prompt="a queued cat").message_id
    token_id = SandboxJob.objects.get(pk=message_id).token_id
    page = _text(console.get(reverse("console:account_queue", args=[token_id])))
    assert message_id in page and "a queued cat" in page and "Queued (1)" in page
    page = _text(console.get(reverse("console:accounts")))
    row = re.search(rf'<tr id="account-{token_id}">.*?</tr>', page, re.S).group(0)
    assert '<td class="queued">1</td>' in row


def test_tokens_are_masked_everywhere(console, diy_key, caplog):
    caplog.set_level(logging.DEBUG)
    pages = [_text(console.get(reverse("console:tokens")))]
    tokens = list(SandboxDiscordToken.objects.all())
    assert len(tokens) == 3
    for token in tokens:
        pages.append(_text(console.get(reverse("console:token_detail", args=[token.pk]))))
        console.post(reverse("console:token_command", args=[token.pk]), {"cmd": "info"})
    html = "\n".join(pages)
    for token in tokens:
        assert token.token not in html
        assert token.token[:12] not in html
        assert f"{token.token[:4]}…{token.token[-4:]}" in html
    logged = "\n".join(record.getMessage() for record in caplog.records)
    audited = "\n".join(e.details_text + e.answer + e.target for e in AuditEntry.objects.all())
    for token in tokens:
        assert token.token not in logged and token.token not in audited


def test_toggle_a_token(console, diy_key, staff):
    console.get(reverse("console:tokens"))
    token = SandboxDiscordToken.objects.filter(banned=False).first()
    url = reverse("console:token_toggle", args=[token.pk])
    response = console.post(url, {"active": "0", "next": "list"}, follow=True)
    assert f"Token {token.pk} is now inactive." in _flash(response)
    token.refresh_from_db()
    assert token.is_active is False
    row = re.search(rf'<tr id="token-{token.pk}">.*?</tr>', _text(response), re.S).group(0)
    assert "status-VERIFYING" in row and "Activate" in row
    entry = _audit("token.deactivate")
    assert entry.user == staff and entry.details == {"isActive": False}
    assert entry.answer == f"Token {token.pk} is now inactive (VERIFYING)."
    console.post(url, {"active": "1"})
    token.refresh_from_db()
    assert token.is_active is True and _audit("token.activate").ok


def test_activating_a_banned_token_shows_the_refusal(console, diy_key):
    console.get(reverse("console:tokens"))
    banned = SandboxDiscordToken.objects.get(banned=True)
    response = console.post(
        reverse("console:token_toggle", args=[banned.pk]), {"active": "1"}, follow=True
    )
    assert any("was not changed: The provider rejected the request" in m for m in _flash(response))
    entry = _audit("token.activate")
    assert entry.ok is False and "banned" in entry.answer


def test_a_command_is_answered_through_the_task(console, diy_key, staff, task_queue):
    console.get(reverse("console:tokens"))
    token = SandboxDiscordToken.objects.filter(banned=False, mode="fast").first()
    response = console.post(
        reverse("console:token_command", args=[token.pk]), {"cmd": "relax"}, follow=True
    )
    command = ConsoleCommand.objects.get()
    assert command.cmd == "relax" and command.message_id and command.status == "pending"
    assert "Waiting for the bot" in _text(response)
    assert f'hx-get="{reverse("console:command_status", args=[command.pk])}"' in _text(response)
    # The poll runs in a django-q task, queued with the command's id (never the key).
    [queued] = task_queue.tasks()
    assert queued["func"] == enqueue.POLL_COMMAND and queued["args"] == (command.pk,)
    assert diy_key.api_key not in str(queued)
    assert _audit("command.send").answer == f"Sent /relax; messageId {command.message_id}."

    assert tasks.poll_command(command.pk) == "done"
    command.refresh_from_db()
    assert "do not consume fast-hours" in command.result
    token.refresh_from_db()
    assert token.mode == "relax"
    entry = _audit("command.result")
    assert entry.user == staff and entry.ok and "fast-hours" in entry.answer

    partial = console.get(
        reverse("console:command_status", args=[command.pk]), HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 286  # htmx stops polling
    assert "do not consume fast-hours" in _text(partial) and "hx-get" not in _text(partial)
    page = _text(console.get(reverse("console:token_detail", args=[token.pk])))
    assert "RELAX" in page and "Relax" in page


def test_a_command_on_an_inactive_token_is_refused(console, diy_key):
    console.get(reverse("console:tokens"))
    banned = SandboxDiscordToken.objects.get(banned=True)
    response = console.post(
        reverse("console:token_command", args=[banned.pk]), {"cmd": "info"}, follow=True
    )
    assert any("The command was not sent" in m and "banned" in m for m in _flash(response))
    assert not ConsoleCommand.objects.exists()
    assert _audit("command.send").ok is False
    response = console.post(
        reverse("console:token_command", args=[banned.pk]), {"cmd": "dance"}, follow=True
    )
    assert any("Unknown command" in m for m in _flash(response))


# --- trace --------------------------------------------------------------------------------------


def test_trace_a_message(console, diy_key, staff):
    client = ImagineProClient(base_url=diy_key.base_url, api_key=diy_key.api_key)
    message_id = client.imagine(prompt="a traced cat").message_id
    token_id = SandboxJob.objects.get(pk=message_id).token_id
    page = _text(console.get(reverse("console:trace"), {"message_id": f"  {message_id} "}))
    assert (
        f'Ran on token <a href="{reverse("console:token_detail", args=[token_id])}">#{token_id}'
        in page
    )
    assert "fastTimeRemaining" in page
    entry = _audit("trace.lookup")
    assert entry.target == message_id and entry.answer.startswith(f"Ran on token {token_id}")


@pytest.mark.parametrize(
    ("pasted", "sentence"),
    [
        ("../subscription/account-info", "A messageId has only letters, digits and dashes"),
        (
            "00000000-0000-0000-0000-000000000000",
            "The provider does not know this job: Message not found",
        ),
    ],
)
def test_trace_errors_are_sentences(console, diy_key, pasted, sentence):
    page = _text(console.get(reverse("console:trace"), {"message_id": pasted}))
    assert sentence in page
    assert 'id="trace-result"' not in page


def test_the_404_trace_is_audited_as_failed(console, diy_key):
    console.get(reverse("console:trace"), {"message_id": "00000000-0000-0000-0000-000000000000"})
    assert _audit("trace.lookup").ok is False
