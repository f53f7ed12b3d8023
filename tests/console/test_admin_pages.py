"""What an admin reads on the console pages, against the sandbox over real HTTP: the provider's
raw `/info` text shown as dates and dashes, a warning that does not vanish, and a reboot that
says what happened to each job, counted at the moment of the reboot."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from studio.accounts.services import key_create
from studio.console import tasks
from studio.console.models import AuditEntry, ConsoleCommand, ConsoleSettings
from studio.provider.imaginepro.client import ImagineProClient
from studio.provider.imaginepro.paths import PATHS, PROVISIONAL
from studio.sandbox.models import SandboxDiscordToken, SandboxJob
from tests.factories import ProviderKeyFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Nothing listens on the discard port: a call there is refused at once.
UNREACHABLE = "http://127.0.0.1:9/api/v1"


@pytest.fixture
def staff(db) -> User:
    return UserFactory(username="sam", staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def diy_key(staff, sandbox_url):
    return ProviderKeyFactory(user=staff)


@pytest.fixture
def console(staff_client, diy_key):
    response = staff_client.post(reverse("console:settings"), {"key": str(diy_key.pk)})
    assert response.status_code == 302
    return staff_client


def _text(response) -> str:
    return response.content.decode()


def _flashes(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _info_row(page: str, name: str) -> str:
    return re.search(rf'<th scope="row">{name}</th><td>(.*?)</td>', page, re.S).group(1)


# --- raw provider text ------------------------------------------------------------------------


def test_the_info_table_shows_dates_as_dates_and_absent_values_as_a_dash(console):
    console.get(reverse("console:tokens"))
    token = SandboxDiscordToken.objects.filter(banned=False, mode="fast").first()
    page = _text(console.get(reverse("console:token_detail", args=[token.pk])))

    subscription = _info_row(page, "subscription")
    assert "&lt;t:" not in subscription and "<t:" not in subscription
    assert '<time datetime="2030-01-01T00:00:00+00:00">1 January 2030, 00:00 UTC</time>' in (
        subscription
    )
    assert subscription.startswith("Standard (Active monthly, renews next on <time")
    assert _info_row(page, "runningJobs") == "–"  # the bot's "None"
    assert _info_row(page, "message") == "–"
    assert _info_row(page, "queuedJobsFast") == "0"  # a zero is a value, not an absence


def test_the_trace_page_shows_the_tokens_info_the_same_way(console, diy_key):
    client = ImagineProClient(base_url=diy_key.base_url, api_key=diy_key.api_key)
    message_id = client.imagine(prompt="a traced cat").message_id
    page = _text(console.get(reverse("console:trace"), {"message_id": message_id}))
    assert "1 January 2030, 00:00 UTC</time>" in page and "&lt;t:1893456000&gt;" not in page


# --- warnings that vanish -----------------------------------------------------------------------


def test_choosing_a_key_the_provider_cannot_confirm_warns_the_admin(staff_client, staff, settings):
    settings.IMAGINEPRO_BASE_URL = UNREACHABLE
    key, _ = key_create(user=staff, name="Real", api_key="sk-real-key-0001")

    response = staff_client.post(reverse("console:settings"), {"key": str(key.pk)}, follow=True)

    flashes = _flashes(response)
    assert ("success", f"The console now uses “Real” ({key.masked}).") in flashes
    [warning] = [text for level, text in flashes if level == "warning"]
    assert "could not confirm" in warning and "could not reach the provider" in warning.lower()
    assert 'class="flash flash-warning"' in _text(response)
    entry = AuditEntry.objects.get(action="settings.diy_key")
    assert entry.ok is False and "could not confirm" in entry.answer
    assert ConsoleSettings.load().diy_key == key


def test_a_confirmed_key_brings_no_warning(staff_client, diy_key):
    response = staff_client.post(reverse("console:settings"), {"key": str(diy_key.pk)}, follow=True)
    assert [level for level, _ in _flashes(response)] == ["success"]


# --- reboot -------------------------------------------------------------------------------------


def test_a_reboot_counts_at_its_moment_and_says_what_happened_to_each_job(
    console, diy_key, sandbox_clock
):
    client = ImagineProClient(base_url=diy_key.base_url, api_key=diy_key.api_key)
    started = client.imagine(prompt="a cat that starts").message_id
    confirm = _text(console.get(reverse("console:queue_reboot")))
    assert re.search(r"<strong>0</strong> running, <strong>1</strong> waiting", confirm)
    # Between the confirmation page and the click, the waiting job starts running.
    sandbox_clock.advance(0.5)
    waiting = client.imagine(prompt="a cat that waits").message_id

    response = console.post(reverse("console:queue_reboot"), follow=True)

    [said] = [text for _, text in _flashes(response) if text.startswith("Queue rebooted")]
    assert said == (
        f"Queue rebooted: 1 running job failed ({started}), "
        f"1 waiting job kept in the queue ({waiting})."
    )
    assert SandboxJob.objects.get(pk=started).outcome == "FAIL"
    kept = SandboxJob.objects.get(pk=waiting)
    assert kept.outcome == "DONE" and kept.processing_at > sandbox_clock()
    assert AuditEntry.objects.get(action="queue.reboot").answer == said


# --- token status after mode commands ----------------------------------------------------------


def _send(console, token_id: int, cmd: str) -> ConsoleCommand:
    console.post(reverse("console:token_command", args=[token_id]), {"cmd": cmd})
    command = ConsoleCommand.objects.filter(token_id=str(token_id), cmd=cmd).latest("id")
    assert tasks.poll_command(command.pk) == "done"
    command.refresh_from_db()
    return command


def _badge(html: str) -> str:
    return re.search(r'<span class="badge status-[^"]*"[^>]*>([^<]*)</span>', html).group(1)


def test_after_relax_then_turbo_every_page_shows_the_mode_the_provider_reports(
    console, diy_key, task_queue
):
    console.get(reverse("console:tokens"))
    token = SandboxDiscordToken.objects.filter(banned=False, mode="fast").first()

    assert _send(console, token.pk, "relax").mode_after == "Relax"
    command = _send(console, token.pk, "turbo")

    assert command.mode_after == "Turbo"  # the token was read again after the answer
    audit = AuditEntry.objects.filter(action="command.result").latest("id")
    assert audit.details["modeAfter"] == "Turbo"
    listing = _text(console.get(reverse("console:tokens")))
    row = re.search(rf'<tr id="token-{token.pk}">.*?</tr>', listing, re.S).group(0)
    assert _badge(row) == "TURBO"
    detail = _text(console.get(reverse("console:token_detail", args=[token.pk])))
    assert _badge(detail.split('id="token-facts"')[1]) == "TURBO"
    assert "the provider now reports <strong>Turbo</strong> mode" in detail
    client = ImagineProClient(base_url=diy_key.base_url, api_key=diy_key.api_key)
    message_id = client.imagine(prompt="a turbo cat").message_id
    SandboxJob.objects.filter(pk=message_id).update(token=token)
    trace = _text(console.get(reverse("console:trace"), {"message_id": message_id}))
    assert _badge(trace.split('id="trace-result"')[1]) == "TURBO"


def test_the_token_page_reads_the_token_again_when_a_command_is_answered(
    console, diy_key, task_queue
):
    console.get(reverse("console:tokens"))
    token = SandboxDiscordToken.objects.filter(banned=False, mode="fast").first()
    command = _send(console, token.pk, "turbo")

    final = console.get(
        reverse("console:command_status", args=[command.pk]), HTTP_HX_REQUEST="true"
    )
    assert final.status_code == 286 and final["HX-Trigger"] == "token-refresh"
    detail = _text(console.get(reverse("console:token_detail", args=[token.pk])))
    assert 'hx-trigger="token-refresh from:body"' in detail
    state = _text(
        console.get(
            reverse("console:token_detail", args=[token.pk]),
            {"part": "state"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert state.lstrip().startswith('<div id="token-state"') and "<html" not in state
    assert _badge(state) == "TURBO"


# --- provisional paths --------------------------------------------------------------------------


def test_every_unpublished_diy_route_has_a_reason_in_the_clients_table():
    diy_routes = {route for route in PATHS if route.startswith("diy_")}
    assert set(PROVISIONAL) == diy_routes
    for route in ("commands", "discord_tokens", "discord_token", "message_trace"):
        assert route not in PROVISIONAL  # documented by the provider's pages
    assert all(entry.reason and entry.method for entry in PROVISIONAL.values())


@pytest.mark.parametrize(
    ("name", "args", "paths"),
    [
        ("console:index", [], ["GET /diy/queue/count", "POST /diy/queue/pause"]),
        ("console:queue_reboot", [], ["POST /diy/queue/reboot"]),
        ("console:accounts", [], ["GET /diy/accounts"]),
        ("console:account_queue", [1], ["GET /diy/accounts/{account_id}/queue"]),
        ("console:settings", [], ["GET /diy/queue/count"]),
        ("banwords:provider", [], ["GET|POST /diy/ban-words"]),
    ],
)
def test_pages_on_provisional_routes_say_so(console, name, args, paths):
    page = _text(console.get(reverse(name, args=args)))
    assert '<span class="badge provisional">provisional path</span>' in page
    for path in paths:
        assert f"<code>{path}</code>" in page
    assert "no page gives its method, path or answer" in page or "are the studio" in page


@pytest.mark.parametrize("name", ["console:tokens", "console:trace", "console:audit"])
def test_pages_on_documented_routes_have_no_such_badge(console, name):
    assert "provisional path" not in _text(console.get(reverse(name)))
