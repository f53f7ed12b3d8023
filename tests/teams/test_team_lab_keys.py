"""A team's ImagineLab keys on the team page: an owner adds a
dedicated API key, signs the team in (the token is kept, the password nowhere) or takes the
ImagineLab sandbox in one click, and signs in again when the token expired; creators
generate with the key in the team's workspace, charged to the team and held to its caps;
members see the key's name and provider only. The sandbox answers over real HTTP."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.urls import reverse

from studio.accounts.models import ProviderKey
from studio.accounts.services import lab_sandbox_key_create, lab_sign_in, sandbox_key_create
from studio.credits import ledger
from studio.generation import assets, poller
from studio.generation.models import Generation, Model, Status
from studio.generation.submit import generation_submit
from studio.imaginelab import services as lab_services
from studio.sandbox.imaginelab.models import SandboxLabAccount
from studio.sandbox.imaginelab.services import expire_tokens, sandbox_lab_account_create
from studio.teams.models import Membership, Team
from studio.teams.services import team_create
from tests.imaginelab.conftest import LabAccount, lab_form
from tests.support import run_to_final
from tests.teams.conftest import messages_of

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = "seedream-5.0-lite"  # 5 credits at the sandbox
REFUSED_KEY = "lab-sk-not-a-real-key-0000"


@pytest.fixture
def lab_account(sandbox_url) -> LabAccount:
    """The team's ImagineLab sandbox account (email, password and a dedicated API key)."""
    return LabAccount(*sandbox_lab_account_create(label="acme tests"))


@pytest.fixture
def team_token_key(alice_client, team, lab_account) -> ProviderKey:
    """Alice signed Acme in to the ImagineLab sandbox on the team page."""
    response = alice_client.post(
        reverse("teams:lab_sign_in", args=[team.pk]),
        {
            "signin-name": "Acme Lab",
            "signin-email": lab_account.email,
            "signin-password": lab_account.password,
            "signin-sandbox": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ProviderKey.objects.get(team=team, provider="imaginelab", auth="token")


def in_team(client, team: Team):
    client.post(reverse("teams:switch"), {"workspace": str(team.pk)})
    return client


def page(client, team: Team) -> str:
    return client.get(reverse("teams:detail", args=[team.pk])).content.decode()


def key_row(html: str, key: ProviderKey) -> str:
    """The keys table's row of `key`."""
    start = html.index(f'id="key-{key.pk}"')
    return html[start : html.index("</tr>", start)]


class TestOwnerAddsEachKind:
    def test_the_sandbox_in_one_click(self, alice, alice_client, bob_client, team, sandbox_url):
        response = alice_client.post(reverse("teams:lab_sandbox", args=[team.pk]), follow=True)

        key = ProviderKey.objects.get()
        assert (key.team, key.user, key.provider, key.auth, key.is_sandbox) == (
            team,
            alice,
            "imaginelab",
            "key",
            True,
        )
        assert "ImagineLab sandbox key added to the team" in messages_of(response)[0]
        assert SandboxLabAccount.objects.get().full_name == "team Acme"
        assert lab_services.wallet_balance(key) > 0  # a working key, asked over HTTP
        # Every member sees its name and provider; the personal Keys page does not list it.
        row = key_row(page(bob_client, team), key)
        assert "ImagineLab sandbox" in row and 'class="badge provider lab"' in row
        assert f'id="key-{key.pk}"' not in alice_client.get(reverse("keys")).content.decode()

    def test_a_dedicated_api_key_is_checked_then_stored(self, alice_client, team, lab_account):
        url = reverse("teams:lab_key_add", args=[team.pk])

        refused = alice_client.post(
            url, {"lab-name": "Acme Lab", "lab-api_key": REFUSED_KEY, "lab-sandbox": "on"}
        )

        assert refused.status_code == 400
        html = refused.content.decode()
        assert "ImagineLab did not accept this key (401 Unauthorized)." in html
        assert 'value="Acme Lab"' in html  # the name typed is kept, the key is not echoed
        assert REFUSED_KEY not in html
        assert not ProviderKey.objects.exists()

        saved = alice_client.post(
            url,
            {"lab-name": "Acme Lab", "lab-api_key": lab_account.api_key, "lab-sandbox": "on"},
            follow=True,
        )

        assert "Team key saved. ImagineLab accepted it." in messages_of(saved)
        key = ProviderKey.objects.get()
        assert (key.team, key.name, key.provider, key.auth) == (
            team,
            "Acme Lab",
            "imaginelab",
            "key",
        )
        assert key.api_key == lab_account.api_key
        assert lab_account.api_key not in key.api_key_encrypted

    def test_signing_in_keeps_the_token_never_the_password(
        self, alice_client, team, lab_account, caplog
    ):
        caplog.set_level(logging.DEBUG)
        url = reverse("teams:lab_sign_in", args=[team.pk])
        data = {
            "signin-name": "Acme Lab",
            "signin-email": lab_account.email,
            "signin-sandbox": "on",
        }

        wrong = alice_client.post(url, {**data, "signin-password": "not-the-password"})

        assert wrong.status_code == 400
        assert "did not accept this email and password" in wrong.content.decode()
        assert "not-the-password" not in wrong.content.decode()
        assert not ProviderKey.objects.exists()

        response = alice_client.post(
            url, {**data, "signin-password": lab_account.password}, follow=True
        )

        assert f"Acme is signed in to ImagineLab as {lab_account.email}." in messages_of(response)
        key = ProviderKey.objects.get()
        assert (key.team, key.auth, key.login_email) == (team, "token", lab_account.email)
        assert key.api_key.startswith("labtok_")
        assert lab_services.wallet_balance(key) > 0
        assert lab_account.password not in response.content.decode()
        # The password is nowhere: no column of any row of any table, no log line.
        for model in apps.get_models():
            for row in model.objects.all().values():
                assert lab_account.password not in repr(row), model.__name__
        assert lab_account.password not in caplog.text

    def test_rename_and_delete_an_imaginelab_key(self, alice_client, team, sandbox_url):
        alice_client.post(reverse("teams:lab_sandbox", args=[team.pk]))
        key = ProviderKey.objects.get()

        alice_client.post(reverse("teams:key_rename", args=[team.pk, key.pk]), {"name": "Acme Lab"})
        assert ProviderKey.objects.get().name == "Acme Lab"
        response = alice_client.post(
            reverse("teams:key_delete", args=[team.pk, key.pk]), follow=True
        )

        assert "Key “Acme Lab” deleted." in messages_of(response)
        assert not ProviderKey.objects.exists()


class TestGeneratingWithTheTeamKey:
    def test_a_creator_generates_into_the_team_gallery_charged_to_the_team(
        self, alice_client, bob_client, bob, team, sandbox_url
    ):
        alice_client.post(reverse("teams:lab_sandbox", args=[team.pk]))
        key = ProviderKey.objects.get(team=team)
        bob_personal = lab_sandbox_key_create(user=bob)
        in_team(bob_client, team)

        form = bob_client.get(reverse("imaginelab:new", args=["image"])).content.decode()
        assert f'value="{key.pk}"' in form
        assert f'value="{bob_personal.pk}"' not in form  # personal keys stay personal
        response = lab_form(bob_client, "image", key, MODEL, "a teal lantern", aspect_ratio="1:1")

        assert response.status_code == 302, response.content.decode()[:3000]
        generation = Generation.objects.get(model=Model.IMAGINELAB)
        assert (generation.team, generation.user, generation.provider_key) == (team, bob, key)
        assert run_to_final(generation).status == Status.DONE
        # In the team's gallery for every member; not in bob's personal one.
        gallery = reverse("generation:gallery")
        assert f'id="card-{generation.pk}"' in bob_client.get(gallery).content.decode()
        in_team(alice_client, team)
        assert f'id="card-{generation.pk}"' in alice_client.get(gallery).content.decode()
        bob_client.post(reverse("teams:switch"), {"workspace": ""})
        assert f'id="card-{generation.pk}"' not in bob_client.get(gallery).content.decode()
        # Charged to the team's ledger, as bob's spending there (the cost ImagineLab booked).
        assert ledger.spent(team, bob.pk) == 5 == ledger.spent(team)
        assert ledger.entries(None, bob).count() == 0

    def test_a_submit_over_the_members_cap_is_refused(
        self, alice_client, bob_client, team, sandbox_url
    ):
        alice_client.post(reverse("teams:lab_sandbox", args=[team.pk]))
        key = ProviderKey.objects.get(team=team)
        Membership.objects.filter(team=team, user__username="bob").update(monthly_cap=3)
        in_team(bob_client, team)

        response = lab_form(bob_client, "image", key, MODEL, "a costly lantern")

        assert response.status_code == 400  # the form again, with its sentence
        html = response.content.decode()
        assert (
            "This would pass your monthly cap in Acme: 0 of 3 credits spent this month, "
            "and this costs 5. A team owner (alice) can raise it."
        ) in html
        assert "a costly lantern" in html  # what was typed is kept
        assert not Generation.objects.exists()
        assert ledger.spent(team) == 0


class TestExpiredTeamSignIn:
    def test_the_teams_work_waits_until_an_owner_signs_in_again(
        self, alice_client, bob_client, vera_client, team, lab_account, team_token_key
    ):
        key = team_token_key
        in_team(bob_client, team)
        response = lab_form(bob_client, "image", key, MODEL, "a quay at night")
        assert response.status_code == 302, response.content.decode()[:3000]
        generation = Generation.objects.get(prompt="a quay at night")
        expire_tokens(lab_account.email)

        # Not sent: the generation waits, queued, with a note.
        assert generation_submit(generation.pk) == Status.QUEUED
        generation.refresh_from_db()
        key.refresh_from_db()
        assert key.needs_login_since is not None
        assert generation.status_note == "waiting: sign in to ImagineLab again"
        poller.poll_loop(start_download=assets.generation_download, seconds=1)
        generation.refresh_from_db()
        assert generation.status == Status.QUEUED and not generation.message_id

        # Every member reads "needs a new sign-in"; only owners get the form.
        for client in (bob_client, vera_client):
            row = key_row(page(client, team), key)
            assert "needs a new sign-in" in row
            assert "Sign in to ImagineLab again" not in row
            assert lab_account.email not in row  # the team account's email is the owners'
        owner_row = key_row(page(alice_client, team), key)
        assert "needs a new sign-in" in owner_row
        again = reverse("teams:lab_sign_in_again", args=[team.pk, key.pk])
        assert f'action="{again}"' in owner_row
        assert f'value="{lab_account.email}"' in owner_row  # prefilled for the owner

        # A creator may not sign the team in; a wrong password changes nothing.
        refused = bob_client.post(
            again, {"email": lab_account.email, "password": lab_account.password}
        )
        assert refused.status_code == 403
        assert "Only a team owner can do that." in refused.content.decode()
        wrong = alice_client.post(again, {"email": lab_account.email, "password": "nope-nope"})
        assert wrong.status_code == 400
        assert "did not accept this email and password" in key_row(wrong.content.decode(), key)
        key.refresh_from_db()
        assert key.needs_login_since is not None

        old_token = key.api_key
        response = alice_client.post(
            again, {"email": lab_account.email, "password": lab_account.password}, follow=True
        )

        assert "“Acme Lab” is signed in to ImagineLab again. 1 waiting generation go on." in (
            messages_of(response)
        )
        key.refresh_from_db()
        assert key.needs_login_since is None and key.api_key != old_token
        assert "needs a new sign-in" not in page(bob_client, team)
        poller.poll_loop(start_download=assets.generation_download, seconds=15)
        generation.refresh_from_db()
        assert generation.status == Status.DONE, generation.error
        assert generation.images and generation.team == team

    def test_an_imaginepro_key_does_not_sign_in(self, alice_client, alice, team):
        key = sandbox_key_create(user=alice, team=team)

        response = alice_client.post(
            reverse("teams:lab_sign_in_again", args=[team.pk, key.pk]),
            {"email": "a@example.com", "password": "whatever-1"},
            follow=True,
        )

        assert "Only ImagineLab keys sign in; this one is an ImaginePro key." in (
            messages_of(response)
        )
        assert ProviderKey.objects.get().auth == "key"


class TestOnlyOwners:
    def test_creators_and_viewers_get_403_strangers_404_nothing_stored(
        self, alice, bob_client, vera_client, charlie_client, team, lab_account
    ):
        token_key = lab_sign_in(
            user=alice,
            name="Acme Lab",
            email=lab_account.email,
            password=lab_account.password,
            team=team,
            is_sandbox=True,
        )
        posts = {
            reverse("teams:lab_key_add", args=[team.pk]): {
                "lab-name": "Mine",
                "lab-api_key": lab_account.api_key,
                "lab-sandbox": "on",
            },
            reverse("teams:lab_sign_in", args=[team.pk]): {
                "signin-name": "Mine",
                "signin-email": lab_account.email,
                "signin-password": lab_account.password,
                "signin-sandbox": "on",
            },
            reverse("teams:lab_sandbox", args=[team.pk]): {},
            reverse("teams:lab_sign_in_again", args=[team.pk, token_key.pk]): {
                "email": lab_account.email,
                "password": lab_account.password,
            },
        }
        token = token_key.api_key

        for url, data in posts.items():
            for client in (bob_client, vera_client):
                response = client.post(url, data)
                assert response.status_code == 403, url
                assert "Only a team owner can do that." in response.content.decode()
            assert charlie_client.post(url, data).status_code == 404, url

        assert list(ProviderKey.objects.values_list("pk", flat=True)) == [token_key.pk]
        assert ProviderKey.objects.get().api_key == token  # not signed in again either

    def test_a_key_of_another_team_is_404_even_for_an_owner(
        self, alice_client, charlie, team, lab_account
    ):
        other = team_create(user=charlie, name="Other")
        theirs = lab_sign_in(
            user=charlie,
            name="Theirs",
            email=lab_account.email,
            password=lab_account.password,
            team=other,
            is_sandbox=True,
        )
        token = theirs.api_key

        response = alice_client.post(
            reverse("teams:lab_sign_in_again", args=[team.pk, theirs.pk]),
            {"email": lab_account.email, "password": lab_account.password},
        )

        assert response.status_code == 404
        assert ProviderKey.objects.get().api_key == token


class TestNeverShown:
    def test_no_page_shows_any_part_of_a_key_or_token(
        self, alice_client, bob_client, vera_client, team, lab_account, team_token_key
    ):
        alice_client.post(
            reverse("teams:lab_key_add", args=[team.pk]),
            {"lab-name": "Acme API", "lab-api_key": lab_account.api_key, "lab-sandbox": "on"},
        )
        alice_client.post(reverse("teams:lab_sandbox", args=[team.pk]))
        team_keys = list(ProviderKey.objects.filter(team=team))
        assert len(team_keys) == 3
        secrets = [text for key in team_keys for text in (key.api_key, key.api_key_encrypted)]
        masks = [key.masked for key in team_keys]
        pages = [
            "/",
            reverse("teams:index"),
            reverse("teams:detail", args=[team.pk]),
            reverse("teams:delete", args=[team.pk]),
            reverse("keys"),
            reverse("imaginelab:new", args=["image"]),
            reverse("imaginelab:credits"),
            reverse("generation:credits"),
        ]

        for client in (alice_client, bob_client, vera_client):
            in_team(client, team)
            for url in pages:
                html = client.get(url, follow=True).content.decode()
                for text in secrets + masks:
                    assert text not in html, (url, text[:8])
        # Members read each key's name and provider.
        html = page(vera_client, team)
        for key in team_keys:
            assert key.name in key_row(html, key) and "ImagineLab" in key_row(html, key)


def test_the_header_sends_a_creator_to_the_teams_page_to_sign_in_again(
    bob, team, team_token_key, lab_account
):
    """An expired team sign-in: the header's "Sign in to ImagineLab again" links to the
    team's page (where owners sign it in), not to the personal Keys page (a 404 there)."""
    from django.test import Client

    expire_tokens(lab_account.email)
    client = Client()
    client.force_login(bob)
    in_team(client, team)

    header = client.get(reverse("generation:credits")).content.decode()

    assert "Sign in to ImagineLab again" in header
    assert f'href="/teams/{team.pk}/#key-{team_token_key.pk}"' in header
