"""Every provider failure on a console page is one sentence on the page and an audit row
with ok=False: 400, 401, 404, 5xx, a timeout and malformed JSON, from a scripted provider."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from studio.accounts.services import key_create
from studio.console import services
from studio.console.models import AuditEntry, ConsoleSettings
from tests.console.scripted import scripted  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

NEST_401 = {"message": "Unauthorized", "error": "Unauthorized", "statusCode": 401}


@pytest.fixture
def console(client, scripted, settings, monkeypatch):  # noqa: F811
    """Sam's console, its key a real-provider key pointed at the scripted server."""
    settings.IMAGINEPRO_BASE_URL = scripted.base_url
    # The page waits 1.5 s: ample for a loopback answer on a busy machine, and well short of
    # the slow case below (4 s), so which sentence appears never depends on the machine.
    monkeypatch.setattr(services, "TIMEOUT", (2.0, 1.5))
    staff = User.objects.create_user("sam", "sam@example.com", "pw-horse-42", is_staff=True)
    scripted.answer("/subscription/account-info", 200, {"credits": 10})
    scripted.answer("/message/fetch/00000000-0000-0000-0000-000000000000", 404, {"message": "x"})
    key, _ = key_create(user=staff, name="Real", api_key="sk-real-key-0001")
    row = ConsoleSettings.load()
    row.diy_key = key
    row.save()
    client.force_login(staff)
    return client


def _unescaped(response) -> str:
    return html.unescape(response.content.decode())


FAULTS = [
    (
        400,
        {"message": "tokenId must be an integer number", "error": "Bad Request", "statusCode": 400},
        0,
        "The provider rejected the request: tokenId must be an integer number",
    ),
    (401, NEST_401, 0, "The provider refused the API key, or the account has no credits left."),
    (
        404,
        {"message": "Cannot GET /api/v1/x", "error": "Not Found", "statusCode": 404},
        0,
        "The provider does not know this job: Cannot GET /api/v1/x",
    ),
    (
        500,
        {"message": "Internal server error", "statusCode": 500},
        0,
        "The provider had an internal error (HTTP 500): Internal server error",
    ),
    (
        503,
        b"<html>Service Unavailable</html>",
        0,
        "The provider had an internal error (HTTP 503): <html>Service Unavailable</html>",
    ),
    (200, b"{not json", 0, "The provider sent an answer that is not valid JSON (HTTP 200)."),
    (200, {"count": 1}, 4.0, "The provider did not answer in time."),
]
PAGES = [
    ("console:index", [], "/diy/queue/count", "queue.count"),
    ("console:accounts", [], "/diy/accounts", "accounts.list"),
    ("console:account_queue", [7], "/diy/accounts/7/queue", "accounts.queue"),
    ("console:tokens", [], "/discord/tokens", "tokens.list"),
    ("console:token_detail", [7], "/discord/token/7", "tokens.detail"),
]


@pytest.mark.parametrize(("status", "body", "delay", "sentence"), FAULTS)
@pytest.mark.parametrize(("name", "args", "path", "action"), PAGES)
def test_page_reads(console, scripted, name, args, path, action, status, body, delay, sentence):  # noqa: F811
    scripted.answer(path, status, body, delay)
    response = console.get(reverse(name, args=args))
    assert response.status_code == 200
    assert sentence in _unescaped(response)
    entry = AuditEntry.objects.get(action=action)
    assert entry.ok is False and sentence in entry.answer
    # A page that refreshes itself does not fill the log: the same failure is kept once.
    console.get(reverse(name, args=args))
    assert AuditEntry.objects.filter(action=action).count() == 1


@pytest.mark.parametrize(("status", "body", "delay", "sentence"), FAULTS)
def test_actions(console, scripted, status, body, delay, sentence):  # noqa: F811
    scripted.answer("/diy/queue/pause", status, body, delay)
    scripted.answer("/discord/token/3", status, body, delay)
    scripted.answer("/nova/commands", status, body, delay)
    scripted.answer("/message/trace/m-1", status, body, delay)
    response = console.post(reverse("console:queue_pause"), follow=True)
    assert sentence in _unescaped(response)
    response = console.post(reverse("console:token_toggle", args=[3]), {"active": "0"}, follow=True)
    assert "Token 3 was not changed" in response.content.decode()
    response = console.post(
        reverse("console:token_command", args=[3]), {"cmd": "info"}, follow=True
    )
    assert "The command was not sent" in response.content.decode()
    response = console.get(reverse("console:trace"), {"message_id": "m-1"})
    assert 'id="console-error"' in response.content.decode()
    actions = ["queue.pause", "token.deactivate", "command.send", "trace.lookup"]
    for action in actions:
        entry = AuditEntry.objects.get(action=action)
        assert entry.ok is False and sentence in entry.answer, action
