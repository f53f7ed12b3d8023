"""Invitations: made by an owner for one person (email or username), a link that expires,
works once, can be withdrawn, and says plainly why it cannot be used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from studio.teams import services
from studio.teams.models import Invitation, Membership, Role
from tests.factories import UserFactory
from tests.teams.conftest import login, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def dora(db) -> User:
    """Not in the team yet."""
    return UserFactory(username="dora", email="Dora@Example.org")


def invite(client, team, invitee, role="creator", days=7):
    return client.post(
        f"/teams/{team.pk}/invitations/",
        {"invitee": invitee, "role": role, "days": days},
        follow=True,
    )


def link_of(invitation: Invitation) -> str:
    return f"/teams/join/{invitation.token}/"


class TestInvite:
    def test_by_username_shows_the_link_to_copy(self, alice_client, team, dora):
        response = invite(alice_client, team, "dora", role="viewer", days=1)

        invitation = Invitation.objects.get()
        assert (invitation.username, invitation.email, invitation.role) == ("dora", "", "viewer")
        expires_in = invitation.expires_at - timezone.now()
        assert timedelta(hours=23) < expires_in <= timedelta(days=1)
        assert "Invitation ready: copy the link below for dora." in messages_of(response)
        html = response.content.decode()
        assert f'value="http://testserver/teams/join/{invitation.token}/"' in html
        assert 'class="new-invitation"' in html
        assert mail.outbox == []

    def test_by_email_sends_the_link(self, alice_client, team):
        response = invite(alice_client, team, "New.Person@Example.com", days=30)

        invitation = Invitation.objects.get()
        assert invitation.email == "New.Person@Example.com"
        assert invitation.expires_at - timezone.now() > timedelta(days=29)
        assert "Invitation sent to New.Person@Example.com; the link is below too." in (
            messages_of(response)
        )
        (sent,) = mail.outbox
        assert sent.to == ["New.Person@Example.com"]
        assert "Acme" in sent.subject
        assert f"http://testserver/teams/join/{invitation.token}/" in sent.body
        assert "alice invites you" in sent.body

    @pytest.mark.parametrize(
        ("invitee", "days", "sentence"),
        [
            ("nobody-here", 7, "No one here has the username “nobody-here”."),
            ("bob", 7, "bob is already in Acme."),
            ("BOB.builder@example.COM", 7, "BOB.builder@example.COM is already in Acme."),
            ("dora", 3, "Select a valid choice."),
            ("", 7, "This field is required."),
        ],
    )
    def test_bad_input_is_refused_and_kept(self, alice_client, team, dora, invitee, days, sentence):
        response = alice_client.post(
            f"/teams/{team.pk}/invitations/", {"invitee": invitee, "role": "creator", "days": days}
        )

        assert response.status_code == 400
        html = response.content.decode()
        assert sentence in html
        if invitee:  # what was typed is kept
            assert f'value="{invitee}"' in html
        else:
            assert 'name="invitee" value=' not in html
        assert not Invitation.objects.exists()

    def test_owner_revokes_and_the_link_stops_working(self, alice_client, team, dora):
        invite(alice_client, team, "dora")
        invitation = Invitation.objects.get()

        response = alice_client.post(
            f"/teams/{team.pk}/invitations/{invitation.pk}/revoke/", follow=True
        )

        assert "Invitation withdrawn: its link no longer works." in messages_of(response)
        assert invitation.token not in response.content.decode()  # gone from the pending list
        dora_client = login(dora)
        page = dora_client.get(link_of(invitation)).content.decode()
        assert "This invitation was withdrawn by an owner of Acme." in page
        assert "accept-invitation" not in page
        refused = dora_client.post(link_of(invitation))
        assert refused.status_code == 400
        assert not Membership.objects.filter(user=dora).exists()

    def test_only_owners_see_invitation_links(self, alice, bob_client, team):
        invitation = services.invitation_create(team=team, invited_by=alice, invitee="z@z.io")

        assert invitation.token not in bob_client.get(f"/teams/{team.pk}/").content.decode()


class TestAccept:
    def test_by_username_joins_in_the_role_and_switches_to_the_team(self, alice, team, dora):
        invitation = services.invitation_create(
            team=team, invited_by=alice, invitee="dora", role=Role.VIEWER
        )
        client = login(dora)

        page = client.get(link_of(invitation)).content.decode()
        assert "alice invites you, dora, to this team as <strong>viewer</strong>" in page
        response = client.post(link_of(invitation), follow=True)

        assert response.redirect_chain[-1][0] == "/"
        membership = Membership.objects.get(team=team, user=dora)
        assert membership.role == Role.VIEWER
        assert response.context["workspace"].team == team
        assert "Welcome to Acme: you are a viewer." in messages_of(response)[0]
        invitation.refresh_from_db()
        assert invitation.accepted_by == dora and invitation.accepted_at is not None

    def test_by_email_matches_whatever_the_case(self, alice, team, dora):
        invitation = services.invitation_create(
            team=team, invited_by=alice, invitee="dora@EXAMPLE.org"
        )

        login(dora).post(link_of(invitation))

        assert Membership.objects.get(team=team, user=dora).role == Role.CREATOR

    def test_a_link_works_once(self, alice, team, dora):
        invitation = services.invitation_create(team=team, invited_by=alice, invitee="dora")
        login(dora).post(link_of(invitation))
        Membership.objects.filter(user=dora).delete()  # she left; the old link is spent

        response = login(dora).post(link_of(invitation))

        assert response.status_code == 400
        assert "This invitation has already been used: each link works once." in (
            response.content.decode()
        )
        assert not Membership.objects.filter(user=dora).exists()

    def test_an_expired_link_says_so(self, alice, team, dora):
        invitation = services.invitation_create(team=team, invited_by=alice, invitee="dora")
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        client = login(dora)

        page = client.get(link_of(invitation)).content.decode()
        response = client.post(link_of(invitation))

        assert re.search(
            r"This invitation expired on [\d-]+ [\d:]+ UTC: ask an owner of Acme", page
        )
        assert "accept-invitation" not in page
        assert response.status_code == 400
        assert not Membership.objects.filter(user=dora).exists()

    @pytest.mark.parametrize("invitee", ["dora", "dora@example.org"])
    def test_someone_else_cannot_use_it(self, alice, team, dora, charlie, invitee):
        invitation = services.invitation_create(team=team, invited_by=alice, invitee=invitee)
        client = login(charlie)

        page = client.get(link_of(invitation)).content.decode()
        response = client.post(link_of(invitation))

        assert "This invitation is meant for someone else, not for the account" in page
        assert "charlie" in page
        assert response.status_code == 400
        assert not Membership.objects.filter(user=charlie).exists()
        # Still there for the right person.
        assert Invitation.objects.get().accepted_at is None
        login(dora).post(link_of(invitation))
        assert Membership.objects.filter(user=dora, team=team).exists()

    def test_an_unknown_token_is_404(self, dora):
        assert login(dora).get("/teams/join/not-a-real-token/").status_code == 404
        assert Client().get("/teams/join/not-a-real-token/").status_code == 404


class TestSignedOut:
    def test_the_link_offers_log_in_and_sign_up_and_comes_back(self, alice, team, dora):
        invitation = services.invitation_create(team=team, invited_by=alice, invitee="dora")
        link = link_of(invitation)
        client = Client()

        page = client.get(link).content.decode()
        assert f'href="/accounts/login/?next={link}"' in page
        assert f'href="/accounts/signup/?next={link}"' in page
        assert client.post(link)["Location"] == f"/accounts/login/?next={link}"

        response = client.post(
            f"/accounts/login/?next={link}",
            {"username": "dora", "password": "correct-horse-42", "next": link},
        )
        assert response["Location"] == link
        client.post(link)
        assert Membership.objects.filter(user=dora, team=team).exists()

    def test_sign_up_with_the_invited_address_then_accept(self, alice, team):
        invitation = services.invitation_create(
            team=team, invited_by=alice, invitee="newbie@example.com"
        )
        link = link_of(invitation)
        client = Client()

        response = client.post(
            f"/accounts/signup/?next={link}",
            {
                "username": "newbie",
                "email": "NEWBIE@example.com",
                "password1": "a-long-pass-phrase-42",
                "password2": "a-long-pass-phrase-42",
            },
        )
        assert response["Location"] == link
        response = client.post(link, follow=True)

        assert Membership.objects.get(team=team, user__username="newbie").role == Role.CREATOR
        assert response.context["workspace"].team == team

    def test_sign_up_ignores_an_outside_next(self):
        response = Client().post(
            "/accounts/signup/?next=https://evil.example/",
            {
                "username": "newbie",
                "email": "newbie@example.com",
                "password1": "a-long-pass-phrase-42",
                "password2": "a-long-pass-phrase-42",
            },
        )

        assert response["Location"] == "/accounts/keys/"
