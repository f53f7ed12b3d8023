"""Both ban-word pages say plainly which list blocks whom, with an example; and the example
holds against the sandbox over real HTTP: the provider's list refuses jobs of the DIY account
only, while our list refuses everyone's prompts on the form."""

from __future__ import annotations

import re

import pytest

from studio.accounts.services import sandbox_key_create
from studio.console.models import ConsoleSettings
from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient
from studio.sandbox.imaginepro.services import authenticate
from studio.sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.mark.parametrize("url", ["/staff/ban-words/", "/staff/ban-words/provider/"])
def test_each_page_says_which_list_blocks_whom_with_an_example(staff_client, sandbox_url, url):
    html = staff_client.get(url).content.decode()

    [ours, theirs] = _rows(html, "which-list-table")
    assert ours[0] == "Our list" and ours[1].startswith("Everyone who generates in this studio")
    assert theirs[0] == "The provider's list"
    assert theirs[1].startswith("Only jobs of the DIY account")
    example = _rows(html, "which-list-example")
    assert [row[1] for row in example] == [
        "any key",
        "the DIY account's key",
        "a person's own key, or ImagineLab",
    ]
    assert example[1][2].startswith("Sent, then refused by the provider")
    assert example[2][2].startswith("Generated")


def test_the_providers_list_refuses_only_jobs_of_the_diy_account(staff, alice, sandbox_url):
    diy_key = sandbox_key_create(user=staff)
    ConsoleSettings.objects.update_or_create(pk=1, defaults={"diy_key": diy_key})
    diy_account = authenticate(f"Bearer {diy_key.api_key}")
    SandboxAccount.objects.filter(pk=diy_account.pk).update(ban_words=["castle"])
    own_key = sandbox_key_create(user=alice)

    with pytest.raises(ProviderError) as refused:
        ImagineProClient(base_url=sandbox_url, api_key=diy_key.api_key).imagine(
            prompt="a castle at dawn"
        )
    assert refused.value.status == 400 and "Banned prompt detected" in refused.value.message
    sent = ImagineProClient(base_url=sandbox_url, api_key=own_key.api_key).imagine(
        prompt="a castle at dawn"
    )
    assert sent.message_id
