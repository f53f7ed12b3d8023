"""The provider's list page against the sandbox over real HTTP (GET|POST /diy/ban-words):
view, the diff before saving, the save, a list changed meanwhile, the provider's refusals as
sentences, and the audit rows."""

from __future__ import annotations

import re

import pytest

from studio.accounts.services import sandbox_key_create
from studio.console.models import AuditEntry, ConsoleSettings
from studio.sandbox.imaginepro.services import authenticate
from studio.sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/staff/ban-words/provider/"


@pytest.fixture
def account(staff, sandbox_url) -> SandboxAccount:
    """The console's DIY key (a sandbox key of the staff member) and its sandbox account,
    whose list starts as ["Nude"]."""
    key = sandbox_key_create(user=staff)
    ConsoleSettings.objects.update_or_create(pk=1, defaults={"diy_key": key})
    account = authenticate(f"Bearer {key.api_key}")
    SandboxAccount.objects.filter(pk=account.pk).update(ban_words=["Nude"])
    return account


def stored_words(account) -> list[str]:
    account.refresh_from_db(fields=["ban_words"])
    return account.ban_words


def seen_of(html: str) -> str:
    return re.search(r'name="seen" value="([0-9a-f]+)"', html).group(1)


def test_shows_the_providers_list(staff_client, account):
    html = staff_client.get(URL).content.decode()
    assert "1 entry at the provider now." in html
    assert ">\nNude</textarea>" in html


def test_the_diff_comes_first_then_the_save_reaches_the_provider(staff_client, staff, account):
    preview = staff_client.post(URL, {"words": "Nude\nBlood  bath\n\n", "step": "preview"})
    html = preview.content.decode()
    assert "+ Blood bath" in html and "Save at the provider" in html
    assert stored_words(account) == ["Nude"]  # nothing sent yet

    response = staff_client.post(
        URL, {"words": "Blood bath\nNude", "seen": seen_of(html), "step": "confirm"}, follow=True
    )

    assert "The provider&#x27;s list is saved: 1 added, 0 removed (2 entries)." in (
        response.content.decode()
    )
    assert stored_words(account) == ["Blood bath", "Nude"]
    entry = AuditEntry.objects.get(action="banwords.provider_update")
    assert (entry.user, entry.ok) == (staff, True)
    assert entry.details["added"] == ["Blood bath"] and entry.details["removed"] == []
    assert entry.answer == "The provider now has 2 entries."


def test_a_list_changed_meanwhile_shows_the_diff_again(staff_client, account):
    html = staff_client.post(URL, {"words": "Nude\nGore", "step": "preview"}).content.decode()
    SandboxAccount.objects.filter(pk=account.pk).update(ban_words=["Nude", "Weapons"])

    response = staff_client.post(
        URL, {"words": "Gore\nNude", "seen": seen_of(html), "step": "confirm"}
    )

    page = response.content.decode()
    assert "The provider&#x27;s list changed since you looked" in page
    assert "+ Gore" in page and "− Weapons" in page
    assert stored_words(account) == ["Nude", "Weapons"]
    assert not AuditEntry.objects.filter(action="banwords.provider_update").exists()


def test_a_refusal_is_a_sentence_keeps_the_text_and_is_audited(staff_client, account):
    words = "\n".join(f"word{i}" for i in range(1001))  # the sandbox takes at most 1000
    html = staff_client.post(URL, {"words": words, "step": "preview"}).content.decode()

    response = staff_client.post(URL, {"words": words, "seen": seen_of(html), "step": "confirm"})

    page = response.content.decode()
    assert "The provider did not change its list:" in page
    assert "no more than 1000 elements" in page
    assert "word1000</textarea>" in page
    assert stored_words(account) == ["Nude"]
    entry = AuditEntry.objects.get(action="banwords.provider_update")
    assert entry.ok is False and "1000" in entry.answer


def test_an_account_off_the_diy_plan_is_said_plainly(staff_client, account):
    SandboxAccount.objects.filter(pk=account.pk).update(diy=False)
    html = staff_client.get(URL).content.decode()
    assert "Could not read the provider&#x27;s list:" in html
    assert "only available on the DIY plan" in html


def test_without_a_console_key_the_page_says_where_to_choose_it(staff_client, sandbox_url):
    html = staff_client.get(URL).content.decode()
    assert "Choose the console&#x27;s DIY key first" in html
    assert 'href="/staff/settings/"' in html
