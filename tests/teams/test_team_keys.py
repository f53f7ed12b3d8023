"""A team's own keys: owners add (checked with the provider like personal keys), rename and
delete them; members see only their names; creators generate with them in the team's
workspace, and what they make (and its children) lands in the team's gallery."""

from __future__ import annotations

import pytest
from django.test import Client

from studio.accounts.models import ProviderKey
from studio.accounts.services import key_create, sandbox_key_create
from studio.generation import services
from studio.generation.models import Generation, Status
from studio.sandbox.imaginepro.services import sandbox_account_create
from studio.sandbox.models import SandboxJob
from studio.teams.models import Team
from tests.support import run_to_final
from tests.teams.conftest import messages_of

UNREACHABLE = "http://127.0.0.1:9/api/v1"  # discard port: nothing listens there
FLUX = {"prompt": "a teal lantern", "n": 1, "aspect_ratio": "1:1", "output_format": "png"}


@pytest.fixture
def imaginepro_is_sandbox(live_server, settings) -> str:
    """The "real" provider is the sandbox served by live_server (keys are checked there)."""
    url = f"{live_server.url}/sandbox/imaginepro/api/v1"
    settings.IMAGINEPRO_BASE_URL = url
    return url


def secret_team_key(owner, team, settings) -> tuple[str, ProviderKey]:
    """A team key with a known plaintext whose last four ("ZQXW") no page shows by chance.
    The provider is unreachable, so it is saved unchecked (and balances are unavailable)."""
    settings.IMAGINEPRO_BASE_URL = UNREACHABLE
    api_key = "sk-live-known-team-secret-ZQXW"
    key, warning = key_create(user=owner, name="Acme main", api_key=api_key, team=team)
    assert "could not be checked" in warning
    return api_key, key


def in_team(client: Client, team: Team) -> Client:
    client.post("/teams/switch/", {"workspace": str(team.pk)})
    return client


@pytest.mark.django_db
class TestOwnerManagesKeys:
    def test_sandbox_key_for_the_team_not_on_the_personal_keys_page(
        self, alice_client, alice, team
    ):
        response = alice_client.post(f"/teams/{team.pk}/keys/sandbox/", follow=True)

        key = ProviderKey.objects.get()
        assert key.team == team and key.user == alice and key.is_sandbox
        assert "Sandbox key added to the team" in messages_of(response)[0]
        assert f'id="key-{key.pk}"' in response.content.decode()
        keys_page = alice_client.get("/accounts/keys/").content.decode()
        assert f'id="key-{key.pk}"' not in keys_page
        assert "You have no key yet" in keys_page

    def test_rename_and_delete(self, alice_client, alice, team):
        key = sandbox_key_create(user=alice, team=team)

        alice_client.post(f"/teams/{team.pk}/keys/{key.pk}/rename/", {"name": "Shared"})
        assert ProviderKey.objects.get().name == "Shared"
        response = alice_client.post(f"/teams/{team.pk}/keys/{key.pk}/delete/", follow=True)

        assert "Key “Shared” deleted." in messages_of(response)
        assert not ProviderKey.objects.exists()

    def test_a_team_key_is_not_reachable_from_the_personal_keys_pages(
        self, alice_client, alice, team
    ):
        key = sandbox_key_create(user=alice, team=team)

        assert alice_client.post(f"/accounts/keys/{key.pk}/delete/").status_code == 404
        assert ProviderKey.objects.filter(pk=key.pk).exists()

    def test_a_key_of_another_team_is_404(self, alice_client, charlie, team):
        from studio.teams.services import team_create

        other = team_create(user=charlie, name="Other")
        key = sandbox_key_create(user=charlie, team=other)

        response = alice_client.post(f"/teams/{team.pk}/keys/{key.pk}/delete/")

        assert response.status_code == 404
        assert ProviderKey.objects.filter(pk=key.pk).exists()


@pytest.mark.django_db(transaction=True)
class TestRealKeys:
    def test_an_accepted_key_is_stored_for_the_team(
        self, alice_client, team, imaginepro_is_sandbox
    ):
        api_key = sandbox_account_create(label="acme real")

        response = alice_client.post(
            f"/teams/{team.pk}/keys/", {"name": "Acme main", "api_key": api_key}, follow=True
        )

        assert "Team key saved. ImaginePro accepted it." in messages_of(response)
        key = ProviderKey.objects.get()
        assert (key.team, key.name, key.is_sandbox, key.api_key) == (
            team,
            "Acme main",
            False,
            api_key,
        )

    def test_a_refused_key_says_so_and_stores_nothing(
        self, alice_client, team, imaginepro_is_sandbox
    ):
        response = alice_client.post(
            f"/teams/{team.pk}/keys/", {"name": "Typo", "api_key": "sk-not-a-real-key-0000"}
        )

        assert response.status_code == 400
        assert "ImaginePro did not accept this key (401 Unauthorized)." in (
            response.content.decode()
        )
        assert 'value="Typo"' in response.content.decode()
        assert not ProviderKey.objects.exists()


@pytest.mark.django_db
class TestNeverShown:
    def test_the_key_is_never_shown_to_anyone(
        self, alice_client, bob_client, vera_client, alice, team, settings
    ):
        api_key, key = secret_team_key(alice, team, settings)
        pages = [
            "/",
            "/teams/",
            f"/teams/{team.pk}/",
            f"/teams/{team.pk}/delete/",
            "/accounts/keys/",
            "/new/flux/",
            "/new/midjourney/",
            "/tools/",
            "/prices/",
            "/assist/credits/",
        ]

        for client in (alice_client, bob_client, vera_client):
            in_team(client, team)
            for url in pages:
                response = client.get(url, follow=True)
                html = response.content.decode()
                assert api_key not in html, url
                assert key.api_key_encrypted not in html, url
        # The team's pages, the gallery and the header name the key without its last four.
        for client in (alice_client, bob_client, vera_client):
            for url in ("/", "/teams/", f"/teams/{team.pk}/", "/accounts/keys/"):
                html = client.get(url).content.decode()
                assert api_key[-4:] not in html, url
        assert "Acme main" in bob_client.get(f"/teams/{team.pk}/").content.decode()

    def test_the_forms_name_a_team_key_without_its_last_four(
        self, bob_client, alice, team, settings
    ):
        api_key, _key = secret_team_key(alice, team, settings)

        html = in_team(bob_client, team).get("/new/flux/").content.decode()

        assert "Acme main" in html
        assert api_key[-4:] not in html


@pytest.mark.django_db(transaction=True)
class TestGeneratingInTheTeam:
    def test_a_creator_generates_with_the_team_key_into_the_team_gallery(
        self, alice_client, bob_client, bob, alice, team, sandbox_url
    ):
        key = sandbox_key_create(user=alice, team=team)
        bob_personal = sandbox_key_create(user=bob)
        in_team(bob_client, team)

        form = bob_client.get("/new/flux/").content.decode()
        assert f'value="{key.pk}"' in form
        assert f'value="{bob_personal.pk}"' not in form  # personal keys stay personal
        response = bob_client.post("/new/flux/", {**FLUX, "key": key.pk})

        assert response.status_code == 302, response.content.decode()[:2000]
        generation = Generation.objects.get()
        assert (generation.team, generation.user, generation.provider_key) == (team, bob, key)
        assert run_to_final(generation).status == Status.DONE
        # In the team's gallery, for every member; not in bob's personal one.
        assert f'id="card-{generation.pk}"' in bob_client.get("/").content.decode()
        in_team(alice_client, team)
        assert f'id="card-{generation.pk}"' in alice_client.get("/").content.decode()
        bob_client.post("/teams/switch/", {"workspace": ""})
        assert f'id="card-{generation.pk}"' not in bob_client.get("/").content.decode()
        # The sandbox account that paid is the team's.
        job = SandboxJob.objects.get()
        assert job.account.label == "team Acme"

    def test_a_press_on_a_team_image_makes_a_child_in_the_team(
        self, bob_client, alice, team, sandbox_url
    ):
        key = sandbox_key_create(user=alice, team=team)
        in_team(bob_client, team)
        response = bob_client.post(
            "/new/midjourney/", {"prompt": "a harbour at noon", "speed": "fast", "key": key.pk}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        grid = run_to_final(Generation.objects.get())
        assert grid.status == Status.DONE, grid.error

        response = bob_client.post(f"/g/{grid.pk}/press/", {"button": "U1"})

        assert response.status_code == 302
        child = Generation.objects.get(parent=grid)
        assert (child.team, child.button, child.root_id) == (team, "U1", grid.pk)
        assert run_to_final(child).status == Status.DONE
        assert f'id="card-{child.pk}"' in bob_client.get("/").content.decode()

    def test_a_viewer_is_turned_away_from_forms_and_buttons(
        self, vera_client, alice, team, sandbox_url
    ):
        key = sandbox_key_create(user=alice, team=team)
        grid = run_to_final(
            services.midjourney_create(
                user=alice, provider_key=key, prompt="a mill", params={"prompt": "a mill"}
            )
        )
        assert grid.status == Status.DONE, grid.error
        in_team(vera_client, team)

        response = vera_client.get("/new/flux/", follow=True)

        assert response.redirect_chain == [("/", 302)]
        assert "You are a viewer in Acme: you cannot generate there." in messages_of(response)
        # She sees the team's image but cannot press its buttons.
        assert f'id="card-{grid.pk}"' in response.content.decode()
        press = vera_client.post(f"/g/{grid.pk}/press/", {"button": "U1"}, follow=True)
        assert Generation.objects.count() == 1
        # The press view asks for access.CREATE: a 403 page that says why.
        assert press.status_code == 403
        assert (
            "Viewers can look but not generate: ask a team owner to make you a creator."
            in press.content.decode()
        )


def test_an_owner_without_a_team_key_is_sent_to_add_one(alice, team):
    """The owner opening a form in a team with no key lands where keys are added."""
    from tests.support import client_for

    response = client_for(alice, team).get("/new/flux/", follow=True)

    assert response.redirect_chain[-1][0] == f"/teams/{team.pk}/"
    assert "First add an API key to Acme, under Keys below." in response.content.decode()
