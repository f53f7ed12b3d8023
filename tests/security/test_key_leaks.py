"""Keys never leak: a person stores an ImaginePro key whose plaintext we know (a
sandbox account's, stored as a real key pointed at the sandbox) and signs in to ImagineLab
with a known password; the studio is then used the way people use it (keys page, forms,
submits that succeed and one the provider fails, gallery, detail, the staff console, a
refused key, the technical error page). Nowhere is a secret found: not in a page, not in a
log line, not in django-q2's task tables (payloads decoded), not in a generation's stored
request, message or error, not in the audit log or the ledger."""

from __future__ import annotations

import logging
import sys

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables
from django_q.models import OrmQ, Schedule, Task
from django_q.signing import SignedPackage

from studio.accounts import services
from studio.accounts.models import ProviderKey
from studio.console.models import AuditEntry
from studio.credits.models import LedgerEntry
from studio.generation.models import Generation
from tests.support import run_to_final

LAB_PASSWORD = "lab-Password-7431-unique"
REFUSED_KEY = "sk-refused-5d1c0e7a9b3f4e2d8c6a"


class Pages:
    """A signed-in browser that keeps every answer's body."""

    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)
        self.bodies: list[tuple[str, str]] = []

    def _keep(self, url, response):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        self.bodies.append((url, content.decode(errors="replace")))
        return response

    def get(self, url, **kwargs):
        return self._keep(url, self.client.get(url, **kwargs))

    def post(self, url, data=None, **kwargs):
        return self._keep(url, self.client.post(url, data or {}, **kwargs))


def task_tables() -> list[str]:
    """django-q2's queue, results and schedules, with payloads decoded."""
    texts = []
    for queued in OrmQ.objects.all():
        texts.append(repr(SignedPackage.loads(queued.payload)))
    for task in Task.objects.all():
        texts.append(repr((task.func, task.args, task.kwargs, task.result)))
    for schedule in Schedule.objects.all():
        texts.append(repr((schedule.func, schedule.args, schedule.kwargs)))
    return texts


def stored_rows() -> list[str]:
    texts = [
        repr((g.request_body, g.raw_message, g.error, g.params, g.prompt))
        for g in Generation.objects.all()
    ]
    texts += [repr(vars(entry)) for entry in AuditEntry.objects.all()]
    texts += [repr(vars(entry)) for entry in LedgerEntry.objects.all()]
    texts += [
        repr({k: v for k, v in vars(key).items() if k != "api_key_encrypted"})
        for key in ProviderKey.objects.all()
    ]
    return texts


@sensitive_variables("refused_key")  # this frame stands for the view's, which holds a form
def technical_500_page(user, refused_key: str) -> str:
    """Django's DEBUG error page for the error raised while a key the provider refuses is
    being checked, for a request that carried it as the keys form posts it: the frames of
    the studio's own code below must not show it."""
    request = RequestFactory().post(reverse("keys"), {"name": "Wrong", "api_key": refused_key})
    request.user = user
    request.sensitive_post_parameters = ["api_key"]  # what the view's decorator marks
    try:
        services.key_create(user=user, name="Wrong", api_key=refused_key)
    except services.KeyRejected:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("the provider should have refused the key")


@pytest.mark.django_db(transaction=True)
def test_no_secret_appears_anywhere(live_server, sandbox_url, settings, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    settings.IMAGINEPRO_BASE_URL = sandbox_url  # a "real" key, answered by the sandbox
    alice = User.objects.create_user("alice", "alice@example.com", "correct-horse-42")
    alice.is_staff = True  # the console uses one of the staff member's own keys
    alice.save()
    secret = services.sandbox_key_create(user=alice).api_key  # its sandbox account's key
    ProviderKey.objects.filter(user=alice).delete()  # the account stays at the sandbox
    pages = Pages(alice)

    # Keys: the known key stored as a real one, a refused one, an ImagineLab sign-in.
    assert pages.post(reverse("keys"), {"name": "Mine", "api_key": secret}).status_code == 302
    real = ProviderKey.objects.get(user=alice, is_sandbox=False)
    assert real.api_key == secret
    refused = pages.post(reverse("keys"), {"name": "Wrong", "api_key": REFUSED_KEY})
    assert refused.status_code == 400  # the keys page again, with the refusal
    assert (
        "ImaginePro did not accept this key (401 Unauthorized). Copy it again from your "
        "ImaginePro dashboard; nothing was saved."
    ) in refused.content.decode()
    lab_email = "alice-lab@example.com"
    signup = requests.post(
        f"{live_server.url}/sandbox/imaginelab/api/v1/auth/signup",
        json={"email": lab_email, "password": LAB_PASSWORD, "full_name": "Alice"},
        timeout=10,
    )
    assert signup.status_code == 201, signup.text
    signed_in = pages.post(
        reverse("key_lab_sign_in"),
        {
            "signin-name": "Lab",
            "signin-email": lab_email,
            "signin-password": LAB_PASSWORD,
            "signin-sandbox": "on",
        },
    )
    assert signed_in.status_code == 302, signed_in.content.decode()[:2000]
    lab_token = ProviderKey.objects.get(user=alice, provider="imaginelab").api_key

    # Generate: one that works, one the provider fails (a banned word at the sandbox).
    flux = {"n": "1", "aspect_ratio": "1:1", "output_format": "png", "key": real.pk}
    for prompt in ("a paper boat", "a forbidden paper boat"):
        response = pages.post(reverse("generation:flux_new"), {**flux, "prompt": prompt})
        assert response.status_code == 302
    for generation in Generation.objects.all():
        run_to_final(generation)
    assert {g.status for g in Generation.objects.all()} == {"done", "failed"}

    for url in (
        reverse("keys"),
        reverse("generation:gallery"),
        reverse("generation:flux_new"),
        reverse("generation:midjourney_new"),
        reverse("generation:tools"),
        reverse("generation:credits"),
        reverse("imaginelab:credits"),
        reverse("credits:usage"),
    ):
        pages.get(url)
    for generation in Generation.objects.all():
        pages.get(reverse("generation:detail", args=[generation.pk]))
        pages.get(reverse("generation:card", args=[generation.pk]), headers={"HX-Request": "1"})

    # The staff console with this key.
    pages.post(reverse("console:settings"), {"key": real.pk})
    for name in ("index", "queue_status", "accounts", "tokens", "audit", "settings", "trace"):
        pages.get(reverse(f"console:{name}"))

    error_page = technical_500_page(alice, REFUSED_KEY)
    # The page is really the error's page, with the frames of the key check and their variables.
    assert "KeyRejected" in error_page and "studio/accounts/services.py" in error_page

    secrets = {"ImaginePro key": secret, "ImagineLab password": LAB_PASSWORD}
    secrets.update({"ImagineLab token": lab_token, "refused key": REFUSED_KEY})
    places = {
        **{f"page {url}": body for url, body in pages.bodies},
        "the technical 500 page": error_page,
        "the logs": caplog.text,
        **{f"task table row {n}": text for n, text in enumerate(task_tables())},
        **{f"stored row {n}": text for n, text in enumerate(stored_rows())},
    }
    assert caplog.text and len(pages.bodies) > 20  # there was something to search
    found = [
        f"{what} in {where}"
        for where, text in places.items()
        for what, value in secrets.items()
        if value in text
    ]
    assert not found, "\n".join(found)
