"""The product without the simulator: with SANDBOX_ENABLED=False `studio.sandbox` is not
installed and its URLs are not mounted, and every page of the URL conf still renders, for a
signed-in person and for staff, without a server error.

INSTALLED_APPS cannot change inside a running process, so the outer test runs the inner one
in a fresh pytest process with SANDBOX_ENABLED=False in its environment. Sandbox keys then
point at an address where nothing listens (no simulator anywhere), as on a server where the
sandbox is off. The URL conf is walked like the access matrix walks it (tests.support.walk),
each URL argument filled with an object of the person's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.banwords.models import BanListVersion
from studio.console.models import ConsoleCommand
from studio.sharing.models import ShareLink
from studio.teams.models import Invitation, Role
from studio.uploads.public import make_token
from studio.uploads.services import upload_create
from tests.factories import (
    AssetFactory,
    CollectionFactory,
    MembershipFactory,
    ProviderKeyFactory,
    SandboxGenerationFactory,
    TeamFactory,
    UserFactory,
    image_bytes,
)
from tests.support import walk

INSTALLED = "studio.sandbox" in django_settings.INSTALLED_APPS
# Nothing listens here (a port of this test's own range): a sandbox key reaches no simulator.
NOWHERE = "http://127.0.0.1:8639"
SKIPPED_PREFIXES = ("admin/", "static/", "media/")


@pytest.mark.skipif(not INSTALLED, reason="this is the inner run, without the sandbox")
def test_the_product_runs_without_the_sandbox():
    """Run the inner test in a process whose settings leave the sandbox out."""
    # A run of its own (tests/settings.py names its database, queue and cache afresh): the
    # names of this run and of its xdist worker are not passed on.
    own_run = ("STUDIO_TEST_", "PYTEST_XDIST_")
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(own_run)},
        "SANDBOX_ENABLED": "False",
        "SANDBOX_BASE_URL": f"{NOWHERE}/sandbox/imaginepro/api/v1",
        "SANDBOX_IMAGINELAB_BASE_URL": f"{NOWHERE}/sandbox/imaginelab/api/v1",
    }
    inner = f"{Path(__file__).resolve()}::test_every_page_renders_without_the_sandbox"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", inner],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert "1 passed" in result.stdout, output


def _own_world(user: User) -> dict:
    """Objects of `user`'s own for every kind of URL argument: keys, a finished generation
    with its image, a team they own with an invitation, a collection, a share link, an
    upload, a ban-list version and a console command."""
    # No sandbox here to open an account in: the keys are stored as given.
    key = ProviderKeyFactory(user=user, api_key="sk-sandbox-" + "0" * 32)
    ProviderKeyFactory(user=user, lab=True)
    generation = SandboxGenerationFactory(
        user=user, provider_key=key, prompt="a lighthouse at dusk"
    )
    asset = AssetFactory(generation=generation, size=(96, 64), color=(30, 90, 200))
    team = TeamFactory(name=f"{user.username}'s team", created_by=user)
    membership = MembershipFactory(team=team, user=user, role=Role.OWNER)
    invitation = Invitation.objects.create(
        team=team,
        invited_by=user,
        email="new@example.com",
        expires_at=timezone.now() + timedelta(days=7),
    )
    collection = CollectionFactory(owner=user, name="Picks", generations=[generation])
    share = ShareLink.objects.create(
        created_by=user, generation=generation, expires_at=timezone.now() + timedelta(days=7)
    )
    upload = upload_create(
        user=user,
        file=SimpleUploadedFile("photo.png", image_bytes((96, 64), (200, 80, 40)), "image/png"),
    )
    number = BanListVersion.objects.count() + 1
    version = BanListVersion.objects.create(number=number, words=["zzword"], created_by=user)
    command = ConsoleCommand.objects.create(requested_by=user, token_id="1", cmd="info")
    return {
        "generation_id": generation.pk,
        "asset_id": asset.pk,
        "kind": "file",
        "team_id": team.pk,
        "key_id": key.pk,
        "invitation_id": invitation.pk,
        "membership_id": membership.pk,
        "collection_id": collection.pk,
        "link_id": share.pk,
        "number": version.number,
        "command_id": command.pk,
        "account_id": 1,
        "token_id": 1,
        "tool": "upscale",
        "generation_type": "image",
        "uidb64": "MQ",
        # Per URL: the token and object each signed link needs.
        "teams:invitation": {"token": invitation.token},
        "sharing:public": {"token": share.token},
        "sharing:asset": {"token": share.token},
        "uploads:public_upload": {
            "token": make_token("upload", upload.pk),
            "object_id": upload.pk,
            "ext": "png",
        },
        "uploads:public_asset": {
            "token": make_token("asset", asset.pk),
            "object_id": asset.pk,
            "ext": "png",
        },
        "generation:webhook": {"token": "not-the-token"},
        "password_reset_confirm": {"token": "set-password"},
    }


def _url(name: str, route: str, world: dict) -> str:
    """The URL named `name`, its arguments filled from `world`."""
    pattern_args = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
    kwargs = {arg: world[arg] for arg in pattern_args if arg in world}
    kwargs.update(world.get(name, {}))
    return reverse(name, kwargs={arg: kwargs[arg] for arg in pattern_args})


@pytest.mark.skipif(INSTALLED, reason="runs in a process without the sandbox (test above)")
@pytest.mark.django_db
def test_every_page_renders_without_the_sandbox():
    assert not any(app.startswith("studio.sandbox") for app in django_settings.INSTALLED_APPS)
    routes = [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    ]
    assert not [route for route, _ in routes if route.startswith("sandbox/")]
    assert "console:faults" not in {name for _, name in routes}

    failures = []
    for staff in (False, True):
        person = UserFactory(username="stafford" if staff else "pat", is_staff=staff)
        world = _own_world(person)
        client = Client(raise_request_exception=False)
        client.force_login(person)
        for route, name in routes:
            url = _url(name, route, world)
            for headers in ({}, {"HX-Request": "true"}):
                status = client.get(url, headers=headers).status_code
                if status >= 500:
                    failures.append(
                        f"{'staff' if staff else 'person'} GET {url} {headers}: {status}"
                    )
        # "Use the sandbox" is not on offer: a click answers 404, nothing is stored.
        for name, args in (
            ("key_sandbox", []),
            ("key_lab_sandbox", []),
            ("teams:key_sandbox", [world["team_id"]]),
            ("teams:lab_sandbox", [world["team_id"]]),
        ):
            status = client.post(reverse(name, args=args)).status_code
            if status != 404:
                failures.append(f"POST {name}: {status}, not 404")
        if staff:  # the console renders, with no link to a faults page
            page = client.get(reverse("console:index"))
            assert page.status_code == 200 and b"Sandbox faults" not in page.content
        else:  # the keys pages offer no sandbox way either
            for page in (
                client.get(reverse("keys")),
                client.get(reverse("teams:detail", args=[world["team_id"]])),
            ):
                assert page.status_code == 200
                for button in (b"use-sandbox", b"use-lab-sandbox", b"team-sandbox"):
                    assert b'id="' + button not in page.content
                assert b"try its sandbox" not in page.content
    assert not failures, "\n".join(failures)
    assert ProviderKey.objects.count() == 4  # the two keys of each person, no sandbox key
