"""The console's "Sandbox faults" page: staff inject, remove and clear faults (audited), the
sandbox really misbehaves, env faults are shown read-only, everyone else gets 404."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from studio.console.models import AuditEntry
from studio.sandbox import faults
from studio.sandbox.imaginepro.services import sandbox_account_create
from studio.sandbox.models import SandboxFault
from tests.factories import UserFactory

FLUX = {"prompt": "a red bicycle", "n": 1, "width": 256, "height": 256}


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(username="sam", staff=True))
    return client


def _form(**fields) -> dict:
    return {"kind": "http_500", "on": "any", "probability": "1", **fields}


def _submit(live_server, key: str) -> int:
    return requests.post(
        f"{live_server.url}/sandbox/imaginepro/api/v1/flux/imagine",
        json=FLUX,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).status_code


@pytest.mark.django_db(transaction=True)
def test_staff_inject_a_fault_for_one_account_and_the_sandbox_obeys(staff_client, live_server):
    hit_key = sandbox_account_create(label="hit-me")
    spared_key = sandbox_account_create(label="spare-me")

    response = staff_client.post(
        reverse("console:faults"), _form(account="hit-me", on="submit", remaining="1")
    )

    assert response.status_code == 302
    fault = SandboxFault.objects.get()
    assert (fault.kind, fault.on, fault.remaining, fault.account.label) == (
        "http_500",
        "submit",
        1,
        "hit-me",
    )
    entry = AuditEntry.objects.get(action="sandbox_fault.add")
    assert entry.user.username == "sam" and entry.details["account"] == "hit-me"
    assert _submit(live_server, spared_key) == 200
    assert _submit(live_server, hit_key) == 500
    assert _submit(live_server, hit_key) == 200  # its one use is spent
    page = staff_client.get(reverse("console:faults")).content.decode()
    assert "used up" in page


@pytest.mark.django_db
def test_the_page_lists_faults_env_faults_and_advice(staff_client, settings):
    settings.SANDBOX_FAULTS = "latency:on=submit:seconds=2"
    faults.inject("http_429", on="fetch", seconds=3, note="bench check")

    page = staff_client.get(reverse("console:faults")).content.decode()

    assert 'id="faults"' in page and "bench check" in page and "whole sandbox" in page
    assert 'id="env-faults"' in page and "SANDBOX_FAULTS" in page
    assert "wait for Retry-After" in page  # what the studio should do, per kind
    assert reverse("console:faults") in page  # the console's menu links the page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"account": "nobody-like-this"}, "No sandbox account has the label or email"),
        ({"kind": "fail", "on": "fetch"}, "concerns submits only"),
        ({"probability": "3"}, "less than or equal to 1"),
        ({"kind": "explode"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(staff_client, fields, words):
    response = staff_client.post(reverse("console:faults"), _form(**fields))

    assert response.status_code == 200
    assert words in response.content.decode()
    assert SandboxFault.objects.count() == 0
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_two_accounts_with_one_label_ask_for_the_email(staff_client):
    sandbox_account_create(label="twin")
    sandbox_account_create(label="twin")

    response = staff_client.post(reverse("console:faults"), _form(account="twin"))

    assert "give the account’s email" in response.content.decode()
    assert SandboxFault.objects.count() == 0


@pytest.mark.django_db
def test_remove_and_clear_all_are_audited(staff_client):
    first = faults.inject("latency", seconds=1)
    faults.inject("http_502")
    faults.inject("reset", on="fetch")

    staff_client.post(reverse("console:fault_remove", args=[first.pk]))
    assert SandboxFault.objects.count() == 2
    again = staff_client.post(reverse("console:fault_remove", args=[first.pk]), follow=True)
    assert "already removed" in again.content.decode()
    staff_client.post(reverse("console:fault_clear"))

    assert SandboxFault.objects.count() == 0
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "answer"))
    assert actions == [("sandbox_fault.remove", "removed"), ("sandbox_fault.clear", "2 removed")]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["console:faults", "console:fault_clear"])
def test_non_staff_get_404_and_change_nothing(alice_client, name):
    faults.inject("latency")

    assert alice_client.get(reverse(name)).status_code == 404
    assert alice_client.post(reverse(name), _form()).status_code == 404
    assert SandboxFault.objects.count() == 1
    assert not AuditEntry.objects.exists()
