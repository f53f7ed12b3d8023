"""ImagineLab faults from the console's "Sandbox faults" page: staff inject them with the
ImagineLab form (audited like ImaginePro's), and the ImagineLab sandbox really answers
differently over HTTP: a wallet level and its 402, 429, an expired sign-in token (401), 5xx,
slow answers, and generations that end failed."""

from __future__ import annotations

import time

import pytest
import requests
from django.urls import reverse

from studio.console.models import AuditEntry
from studio.sandbox.imaginelab.models import SandboxLabGeneration
from studio.sandbox.models import SandboxFault
from tests.factories import UserFactory
from tests.sandbox.imaginelab.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

VIDEO = {"generation_type": "video", "model_name": "kinetic-2", "prompt": "waves at night"}
TEXT = {"generation_type": "text", "model_name": "scribe-1", "prompt": "a short poem"}


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(username="sam", staff=True))
    return client


def _inject(staff_client, **fields):
    """POST the page's ImagineLab form; fields without the "lab-" prefix."""
    data = {"kind": "http_500", "on": "any", "probability": "1", **fields}
    return staff_client.post(reverse("console:faults"), {f"lab-{k}": v for k, v in data.items()})


def test_a_wallet_level_shows_in_the_wallet_and_refuses_what_it_cannot_pay(
    staff_client,
    make_lab,
):
    hit, spared = make_lab(credits=100), make_lab(credits=100)

    response = _inject(staff_client, kind="wallet_402", account=hit.email, credits="4")

    assert response.status_code == 302
    fault = SandboxFault.objects.get()
    assert (fault.provider, fault.kind, fault.on, fault.credits) == (
        "imaginelab",
        "wallet_402",
        "submit",
        4,
    )
    entry = AuditEntry.objects.get(action="sandbox_fault.add")
    assert entry.user.username == "sam"
    assert entry.details["provider"] == "imaginelab" and entry.details["account"] == hit.email
    assert entry.details["credits"] == 4
    assert hit.balance() == 4 and spared.balance() == 100
    refused = hit.post("generations", VIDEO)
    assert refused.status_code == 402 and refused.json() == {"detail": "Insufficient credits"}
    assert not SandboxLabGeneration.objects.exists()
    assert hit.post("generations", TEXT).status_code == 201  # 2 credits fit
    assert spared.post("generations", VIDEO).status_code == 201
    page = staff_client.get(reverse("console:faults")).content.decode()
    assert "ImagineLab" in page and "wallet at 4 credits" in page and hit.email in page


def test_a_429_with_retry_after_then_the_next_request_passes(staff_client, make_lab):
    api = make_lab()
    _inject(staff_client, kind="http_429", on="submit", remaining="1", seconds="3")

    limited = api.post("generations", TEXT)

    assert limited.status_code == 429
    assert limited.json() == {"detail": "Rate limit exceeded"}
    assert limited.headers["Retry-After"] == "3"
    assert not SandboxLabGeneration.objects.exists()
    assert api.get("credits/wallet").status_code == 200  # not a submit
    assert api.post("generations", TEXT).status_code == 201  # its one use is spent


def test_an_expired_sign_in_token_is_refused_until_signing_in_again(
    staff_client,
    make_lab,
    lab_base,
):
    api = make_lab()
    keyed = make_lab(use_key=True)
    _inject(staff_client, kind="token_expired", remaining="1")

    assert keyed.get("credits/wallet").status_code == 200  # an API key does not expire
    expired = api.get("credits/wallet")
    assert expired.status_code == 401
    assert expired.json() == {"detail": "Could not validate credentials"}
    assert expired.headers["WWW-Authenticate"] == "Bearer"
    assert api.get("credits/wallet").status_code == 401  # the token stays expired
    fresh = login(lab_base, api.email, api.password).json()["access_token"]
    again = requests.get(
        f"{lab_base}/credits/wallet", headers={"Authorization": f"Bearer {fresh}"}, timeout=10
    )
    assert again.status_code == 200


def test_server_errors_answer_as_fastapi_and_a_proxy_do(staff_client, make_lab):
    api = make_lab()
    _inject(staff_client, kind="http_500", on="fetch", remaining="1")
    created = api.create("text", "scribe-1", "a line")

    failed = api.get(f"generations/{created['id']}/status")
    assert failed.status_code == 500 and failed.text == "Internal Server Error"
    assert failed.headers["Content-Type"].startswith("text/plain")

    _inject(staff_client, kind="http_502", on="history", remaining="1")
    gateway = api.get("generations")
    assert gateway.status_code == 502 and "<center>nginx</center>" in gateway.text
    assert api.get("generations").status_code == 200


def test_slow_answers_wait_the_seconds_given(staff_client, make_lab):
    api = make_lab()
    _inject(staff_client, kind="latency", seconds="0.4", remaining="1")
    started = time.monotonic()
    assert api.get("credits/wallet").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_a_fail_fault_ends_the_generation_failed_and_refunded(
    staff_client, make_lab, sandbox_clock
):
    api = make_lab(credits=50)
    _inject(staff_client, kind="fail", text="GPU fell over", remaining="1")

    created = api.create("text", "scribe-1", "a doomed poem")
    assert api.balance() == 48  # charged while it runs (the clock is held)
    sandbox_clock.advance(60)
    final = api.wait(created["id"])

    assert final["status"] == "failed" and final["error"] == "GPU fell over"
    assert api.balance() == 50
    fine = api.create("text", "scribe-1", "a fine poem")
    sandbox_clock.advance(60)
    assert api.wait(fine["id"])["status"] == "completed"


def test_imaginelab_faults_leave_imaginepro_alone(staff_client, make_lab, live_server):
    from studio.sandbox.imaginepro.services import sandbox_account_create

    key = sandbox_account_create(label="pro")
    _inject(staff_client, kind="http_500")  # the whole ImagineLab sandbox
    answer = requests.get(
        f"{live_server.url}/sandbox/imaginepro/api/v1/subscription/account-info",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert make_lab().get("credits/wallet").status_code == 500


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kind": "wallet_402"}, "Give the wallet level"),
        ({"account": "nobody@sandbox.invalid"}, "No ImagineLab sandbox account has the email"),
        ({"kind": "fail", "on": "fetch"}, "concerns submits only"),
        ({"kind": "reset"}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_imaginelab_form_is_explained(staff_client, fields, words):
    response = _inject(staff_client, **fields)

    assert response.status_code == 200
    assert words in response.content.decode()
    assert not SandboxFault.objects.exists() and not AuditEntry.objects.exists()
