"""Team pages as owners, creators, viewers and strangers use them: create, rename, delete,
roles, removing and leaving, the last-owner rule, and the workspace switch in the header."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from studio.accounts.models import ProviderKey
from studio.accounts.services import sandbox_key_create
from studio.generation.models import Asset, Generation, Model, Status
from studio.teams.models import Invitation, Membership, Role, Team
from studio.teams.services import LAST_OWNER, invitation_create
from tests.teams.conftest import messages_of

pytestmark = pytest.mark.django_db


def team_urls(team, membership=None, key=None, invitation=None) -> list[tuple[str, str]]:
    """(method, url) of every page and action under one team."""
    base = f"/teams/{team.pk}"
    urls = [
        ("get", f"{base}/"),
        ("post", f"{base}/rename/"),
        ("get", f"{base}/delete/"),
        ("post", f"{base}/delete/"),
        ("post", f"{base}/leave/"),
        ("post", f"{base}/invitations/"),
        ("post", f"{base}/keys/"),
        ("post", f"{base}/keys/sandbox/"),
    ]
    if membership:
        urls += [
            ("post", f"{base}/members/{membership.pk}/role/"),
            ("post", f"{base}/members/{membership.pk}/remove/"),
        ]
    if key:
        urls += [
            ("post", f"{base}/keys/{key.pk}/rename/"),
            ("post", f"{base}/keys/{key.pk}/delete/"),
        ]
    if invitation:
        urls += [("post", f"{base}/invitations/{invitation.pk}/revoke/")]
    return urls


def png() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, "PNG")
    return ContentFile(out.getvalue(), name="a.png")


class TestCreate:
    def test_creator_becomes_owner_and_works_in_the_new_team(self, alice_client, alice):
        response = alice_client.post("/teams/", {"name": "  Night shift  "}, follow=True)

        team = Team.objects.get()
        assert team.name == "Night shift"
        assert Membership.objects.get(team=team).user == alice
        assert Membership.objects.get(team=team).role == Role.OWNER
        assert response.redirect_chain[-1][0] == f"/teams/{team.pk}/"
        assert "you are its owner and now work in it" in messages_of(response)[0]
        # The header's switch now shows the team as the current workspace.
        html = response.content.decode()
        assert f'<option value="{team.pk}" selected>Night shift</option>' in html

    def test_a_blank_name_is_refused_and_nothing_is_made(self, alice_client):
        response = alice_client.post("/teams/", {"name": "   "})

        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not Team.objects.exists()

    def test_the_list_shows_my_teams_with_my_role_only(self, alice_client, charlie, team):
        from studio.teams import services

        services.team_create(user=charlie, name="Charlie's club")

        html = alice_client.get("/teams/").content.decode()

        assert "Acme" in html and "Owner" in html
        assert "<td>3</td>" in html  # alice, bob and vera
        assert "Charlie" not in html

    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get("/teams/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/teams/")


class TestWhoSeesWhat:
    def test_every_member_sees_members_roles_and_key_names(self, vera_client, team, alice):
        sandbox_key_create(user=alice, team=team)

        html = vera_client.get(f"/teams/{team.pk}/").content.decode()

        for name in ("alice", "bob", "vera"):
            assert name in html
        assert "Sandbox" in html
        # A viewer gets no owner controls and no invitation links.
        assert "Create the invitation link" not in html
        assert 'aria-label="Role of bob"' not in html
        assert "Delete Acme" not in html

    def test_a_stranger_gets_404_on_every_team_page_and_action(self, charlie_client, team, alice):
        key = sandbox_key_create(user=alice, team=team)
        invitation = invitation_create(team=team, invited_by=alice, invitee="x@example.com")
        member = Membership.objects.get(team=team, user__username="bob")

        for method, url in team_urls(team, member, key, invitation):
            response = getattr(charlie_client, method)(url, {"name": "x", "role": "viewer"})
            assert response.status_code == 404, (method, url)

        assert Team.objects.get().name == "Acme"
        assert ProviderKey.objects.filter(team=team).count() == 1
        assert Membership.objects.filter(team=team).count() == 3

    def test_a_viewer_or_creator_gets_403_on_owner_actions(
        self, vera_client, bob_client, team, alice
    ):
        key = sandbox_key_create(user=alice, team=team)
        invitation = invitation_create(team=team, invited_by=alice, invitee="bob2@example.com")
        owner = Membership.objects.get(team=team, user=alice)
        owner_actions = [
            (m, u) for m, u in team_urls(team, owner, key, invitation) if not u.endswith("/leave/")
        ][1:]  # the team page itself is for every member

        for client in (vera_client, bob_client):
            for method, url in owner_actions:
                response = getattr(client, method)(url, {"name": "x", "role": "viewer"})
                assert response.status_code == 403, (method, url)
                assert "Only a team owner can do that." in response.content.decode()

        assert Membership.objects.get(pk=owner.pk).role == Role.OWNER
        assert Team.objects.get().name == "Acme"
        assert Invitation.objects.get().revoked_at is None
        assert ProviderKey.objects.filter(team=team).count() == 1

    def test_an_owner_cannot_reach_a_member_of_another_team(self, alice_client, charlie, team):
        from studio.teams import services

        other = services.team_create(user=charlie, name="Other")
        stranger = Membership.objects.get(team=other)

        response = alice_client.post(
            f"/teams/{team.pk}/members/{stranger.pk}/role/", {"role": "viewer"}
        )

        assert response.status_code == 404
        assert Membership.objects.get(pk=stranger.pk).role == Role.OWNER


class TestRolesAndMembers:
    def test_owner_changes_a_role(self, alice_client, team):
        vera = Membership.objects.get(team=team, user__username="vera")

        response = alice_client.post(
            f"/teams/{team.pk}/members/{vera.pk}/role/", {"role": "creator"}, follow=True
        )

        assert Membership.objects.get(pk=vera.pk).role == Role.CREATOR
        assert "vera is now creator." in messages_of(response)

    def test_an_unknown_role_is_refused(self, alice_client, team):
        vera = Membership.objects.get(team=team, user__username="vera")

        response = alice_client.post(
            f"/teams/{team.pk}/members/{vera.pk}/role/", {"role": "admin"}, follow=True
        )

        assert Membership.objects.get(pk=vera.pk).role == Role.VIEWER
        assert "Choose owner, creator or viewer." in messages_of(response)

    def test_the_last_owner_cannot_be_demoted(self, alice_client, alice, team):
        owner = Membership.objects.get(team=team, user=alice)

        response = alice_client.post(
            f"/teams/{team.pk}/members/{owner.pk}/role/", {"role": "creator"}, follow=True
        )

        assert Membership.objects.get(pk=owner.pk).role == Role.OWNER
        assert LAST_OWNER in messages_of(response)

    def test_with_a_second_owner_the_first_may_step_down(self, alice_client, alice, team):
        bob = Membership.objects.get(team=team, user__username="bob")
        alice_client.post(f"/teams/{team.pk}/members/{bob.pk}/role/", {"role": "owner"})
        owner = Membership.objects.get(team=team, user=alice)

        alice_client.post(f"/teams/{team.pk}/members/{owner.pk}/role/", {"role": "viewer"})

        assert Membership.objects.get(pk=owner.pk).role == Role.VIEWER
        assert Membership.objects.get(pk=bob.pk).role == Role.OWNER
        # Now a viewer, alice can no longer change roles.
        response = alice_client.post(f"/teams/{team.pk}/members/{bob.pk}/role/", {"role": "viewer"})
        assert response.status_code == 403

    def test_the_last_owner_cannot_be_removed(self, alice_client, alice, team):
        owner = Membership.objects.get(team=team, user=alice)

        response = alice_client.post(f"/teams/{team.pk}/members/{owner.pk}/remove/", follow=True)

        assert Membership.objects.filter(pk=owner.pk).exists()
        assert LAST_OWNER in messages_of(response)

    def test_a_removed_member_loses_the_team_and_falls_back_to_personal(
        self, alice_client, bob_client, team, alice, bob
    ):
        bob_client.post("/teams/switch/", {"workspace": str(team.pk)})
        membership = Membership.objects.get(team=team, user=bob)
        key = sandbox_key_create(user=alice, team=team)
        made = Generation.objects.create(
            user=bob, team=team, provider_key=key, model=Model.FLUX, prompt="bobs fox"
        )

        response = alice_client.post(
            f"/teams/{team.pk}/members/{membership.pk}/remove/", follow=True
        )

        assert "bob was removed; what they made stays in the team." in messages_of(response)
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert bob_client.get(f"/teams/{team.pk}/").status_code == 404
        assert bob_client.get(f"/g/{made.pk}/").status_code == 404
        gallery = bob_client.get("/")
        assert gallery.context["workspace"].is_personal
        assert "bobs fox" not in gallery.content.decode()
        # What bob made stays in the team's gallery.
        alice_client.post("/teams/switch/", {"workspace": str(team.pk)})
        assert "bobs fox" in alice_client.get("/").content.decode()


class TestLeave:
    def test_a_member_leaves(self, bob_client, bob, team):
        response = bob_client.post(f"/teams/{team.pk}/leave/", follow=True)

        assert not Membership.objects.filter(team=team, user=bob).exists()
        assert "You left Acme." in messages_of(response)
        assert response.redirect_chain[-1][0] == "/teams/"

    def test_the_last_owner_cannot_leave(self, alice_client, alice, team):
        response = alice_client.post(f"/teams/{team.pk}/leave/", follow=True)

        assert Membership.objects.filter(team=team, user=alice).exists()
        assert (
            "You are this team's only owner: make someone else an owner before you leave, "
            "or delete the team." in messages_of(response)
        )


class TestRenameAndDelete:
    def test_owner_renames(self, alice_client, team):
        alice_client.post(f"/teams/{team.pk}/rename/", {"name": "Acme Studio"})

        assert Team.objects.get().name == "Acme Studio"

    def test_a_too_long_name_is_refused_with_the_page(self, alice_client, team):
        response = alice_client.post(f"/teams/{team.pk}/rename/", {"name": "x" * 81})

        assert response.status_code == 400
        assert "at most 80 characters" in response.content.decode()
        assert Team.objects.get().name == "Acme"

    def test_the_confirm_page_says_images_and_keys_go(self, alice_client, alice, team):
        key = sandbox_key_create(user=alice, team=team)
        Generation.objects.create(user=alice, team=team, provider_key=key, model=Model.FLUX)

        html = alice_client.get(f"/teams/{team.pk}/delete/").content.decode()

        assert "<strong>1</strong> generation and their stored images" in html
        assert "<strong>1</strong> API key" in html
        assert "Delete the team and everything in it" in html
        assert Team.objects.exists()

    def test_delete_takes_generations_keys_and_files_and_leaves_personal_ones(
        self, alice_client, alice, alice_key, team, django_capture_on_commit_callbacks
    ):
        key = sandbox_key_create(user=alice, team=team)
        in_team = Generation.objects.create(
            user=alice, team=team, provider_key=key, model=Model.FLUX, status=Status.DONE
        )
        asset = Asset(generation=in_team, index=1, content_type="image/png", source_url="x")
        asset.file.save("team.png", png(), save=False)
        asset.thumbnail.save("team-thumb.png", png(), save=False)
        asset.save()
        storage, names = asset.file.storage, [asset.file.name, asset.thumbnail.name]
        personal = Generation.objects.create(user=alice, provider_key=alice_key, model=Model.FLUX)
        alice_client.post("/teams/switch/", {"workspace": str(team.pk)})

        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(f"/teams/{team.pk}/delete/", follow=True)

        assert "Team “Acme” deleted, with its images and keys." in messages_of(response)
        assert not Team.objects.exists()
        assert not Generation.objects.filter(pk=in_team.pk).exists()
        assert not ProviderKey.objects.filter(pk=key.pk).exists()
        assert not any(storage.exists(name) for name in names)
        assert Generation.objects.filter(pk=personal.pk).exists()
        assert ProviderKey.objects.filter(pk=alice_key.pk).exists()
        # The session's workspace falls back to personal.
        assert alice_client.get("/").context["workspace"].is_personal


class TestWorkspaceSwitch:
    def test_header_lists_personal_first_then_teams_and_marks_the_current(
        self, bob_client, bob, team, charlie
    ):
        from studio.teams import services

        services.team_create(user=charlie, name="Zeta")  # not bob's
        other = services.team_create(user=bob, name="Basement")

        html = bob_client.get("/").content.decode()

        personal = html.index('<option value="" selected>Personal</option>')
        assert personal < html.index(f'<option value="{team.pk}">Acme</option>')
        assert html.index(">Acme<") < html.index(f'<option value="{other.pk}">Basement</option>')
        assert "Zeta" not in html
        assert '<a href="/teams/">Teams</a>' in html

    def test_switching_changes_the_gallery_and_goes_back(self, bob_client, alice, bob, team):
        key = sandbox_key_create(user=alice, team=team)
        Generation.objects.create(
            user=alice, team=team, provider_key=key, model=Model.FLUX, prompt="team kite"
        )

        response = bob_client.post("/teams/switch/", {"workspace": str(team.pk), "next": "/"})

        assert response.status_code == 302 and response["Location"] == "/"
        page = bob_client.get("/")
        assert page.context["workspace"].team == team
        assert "team kite" in page.content.decode()
        assert f'<option value="{team.pk}" selected>Acme</option>' in page.content.decode()

        bob_client.post("/teams/switch/", {"workspace": ""})
        assert "team kite" not in bob_client.get("/").content.decode()

    def test_an_outside_next_goes_to_the_gallery(self, bob_client, team):
        response = bob_client.post(
            "/teams/switch/", {"workspace": str(team.pk), "next": "https://evil.example/"}
        )

        assert response["Location"] == "/"

    def test_a_team_one_is_not_in_is_404(self, charlie_client, team):
        response = charlie_client.post("/teams/switch/", {"workspace": str(team.pk)})

        assert response.status_code == 404
        assert charlie_client.get("/").context["workspace"].is_personal
        response = charlie_client.post("/teams/switch/", {"workspace": "not-a-uuid"})
        assert response.status_code == 404
