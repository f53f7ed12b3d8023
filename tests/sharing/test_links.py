"""Public share links as their maker and an anonymous visitor use them: exactly the shared
images and prompts, their files and nothing else, no team or member names; revoked,
expired or orphaned links stop at once. Images are made by the sandbox over real HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.generation.models import Status
from studio.sharing.models import ShareLink
from studio.teams.models import Membership, Role
from tests.factories import (
    CollectionFactory,
    FluxJobFactory,
    ProviderKeyFactory,
    TeamFactory,
    UserFactory,
)
from tests.support import client_for, run_to_final

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}
TEAM_NAME = "Harbour Studio"


def flux(user, key, prompt: str, n: int = 1):
    """`n` square Flux images of `prompt`, made by the sandbox."""
    generation = run_to_final(
        FluxJobFactory(
            user=user,
            provider_key=key,
            prompt=prompt,
            n=n,
            aspect_ratio="1:1",
            params={"prompt": prompt},
        )
    )
    assert generation.status == Status.DONE, generation.error
    return generation


def share(client, *, days="7", **target) -> ShareLink:
    """Create a link as a person does (the form posts); the new link."""
    before = set(ShareLink.objects.values_list("pk", flat=True))
    response = client.post(reverse("sharing:create"), {"days": days, **target})
    assert response.status_code == 302
    return ShareLink.objects.exclude(pk__in=before).get()


def shown_assets(html: str) -> set[str]:
    """Ids of the files the public page refers to."""
    return set(re.findall(r"/a/([0-9a-f-]{36})/(?:file|thumb)/", html))


@pytest.fixture
def team(alice):
    """Alice owns it; bob is a creator, vera a viewer."""
    return TeamFactory(
        name=TEAM_NAME,
        created_by=alice,
        members={
            alice: Role.OWNER,
            UserFactory(username="bob"): Role.CREATOR,
            UserFactory(username="vera"): Role.VIEWER,
        },
    )


@pytest.fixture
def team_key(alice, team):
    return ProviderKeyFactory(user=alice, team=team)


def test_a_link_shows_exactly_the_shared_images_to_anyone(
    alice, team, team_key, sandbox_url, django_user_model
):
    bob = django_user_model.objects.get(username="bob")
    pair = flux(bob, team_key, "two red kites over the bay", n=2)
    other = flux(bob, team_key, "a secret harbour plan")
    link = share(client_for(bob), generation=pair.pk)
    assert len(link.token) >= 43 and link.created_by == bob
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)

    visitor = Client()  # no account
    response = visitor.get(f"/s/{link.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert shown_assets(html) == {str(a.pk) for a in pair.images}
    assert "two red kites over the bay" in html
    assert "<h1>Shared images</h1>" in html and "<strong>Studio</strong>" in html
    # Nothing else of the team: no name, no member, no navigation, no other image.
    for word in (TEAM_NAME, "alice", "bob", "vera", "a secret harbour plan", "<nav"):
        assert word not in html, word
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"

    # Its files are served, full size and thumbnails.
    for asset in pair.images:
        full = visitor.get(f"/s/{link.token}/a/{asset.pk}/file/")
        assert full.status_code == 200 and full["Content-Type"] == "image/png"
        assert b"".join(full.streaming_content) == asset.file.open("rb").read()
        thumb = visitor.get(f"/s/{link.token}/a/{asset.pk}/thumb/")
        assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    # Any other file is refused, even one of the same team, and other kinds of request.
    [secret] = other.images
    assert visitor.get(f"/s/{link.token}/a/{secret.pk}/file/").status_code == 404
    assert visitor.get(f"/s/{link.token}/a/{pair.images[0].pk}/raw/").status_code == 404
    # The studio's own file URLs stay private.
    own = reverse("generation:asset", args=[pair.images[0].pk, "file"])
    assert visitor.get(own).status_code == 302  # to the login page


def test_revoked_and_expired_links_stop(alice, alice_key, alice_client, sandbox_url):
    picture = flux(alice, alice_key, "a red apple")
    [asset] = picture.images
    revoked, expired = (share(alice_client, generation=picture.pk) for _ in range(2))
    visitor = Client()
    for link in (revoked, expired):
        assert visitor.get(f"/s/{link.token}/").status_code == 200

    response = alice_client.post(reverse("sharing:revoke", args=[revoked.pk]))
    assert response.status_code == 302
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    for link in (revoked, expired):
        page = visitor.get(f"/s/{link.token}/")
        assert page.status_code == 404
        assert "This link is no longer valid" in page.content.decode()
        assert "a red apple" not in page.content.decode()
        assert page["Referrer-Policy"] == "no-referrer"
        assert visitor.get(f"/s/{link.token}/a/{asset.pk}/file/").status_code == 404
    # An unknown token gets the same answer.
    assert visitor.get("/s/" + "x" * 43 + "/").status_code == 404

    # The list says so, and offers no revoke for them.
    listing = alice_client.get(reverse("sharing:links")).content.decode()
    assert listing.count('data-state="revoked"') == 1
    assert listing.count('data-state="expired"') == 1
    assert "Revoke" not in listing


def test_who_may_share_and_bad_requests(
    alice, alice_key, alice_client, charlie, team, team_key, sandbox_url, django_user_model
):
    picture = flux(alice, alice_key, "a red apple")
    # A stranger may not share alice's image: 404, nothing made.
    response = client_for(charlie).post(
        reverse("sharing:create"), {"generation": picture.pk, "days": "7"}
    )
    assert response.status_code == 404 and not ShareLink.objects.exists()
    # Only 1, 7 or 30 days: a clear message, nothing made.
    response = alice_client.post(
        reverse("sharing:create"), {"generation": picture.pk, "days": "365"}, headers=HTMX
    )
    assert "1, 7 or 30 days" in response.content.decode() and not ShareLink.objects.exists()
    # A generation still running cannot be shared.
    running = FluxJobFactory(
        user=alice, provider_key=alice_key, prompt="not yet", aspect_ratio="1:1"
    )
    response = alice_client.post(
        reverse("sharing:create"), {"generation": running.pk, "days": "1"}, headers=HTMX
    )
    assert "Only finished images" in response.content.decode()
    assert not ShareLink.objects.exists()

    # With htmx the new link comes back in place, ready to copy.
    response = alice_client.post(
        reverse("sharing:create"), {"generation": picture.pk, "days": "1"}, headers=HTMX
    )
    link = ShareLink.objects.get()
    assert f"http://testserver/s/{link.token}/" in response.content.decode()
    assert timedelta(hours=23) < link.expires_at - timezone.now() <= timedelta(days=1)

    # A team viewer may see a team image but not publish it (as for a team collection);
    # a creator may.
    team_image = flux(alice, team_key, "a team picture")
    vera = django_user_model.objects.get(username="vera")
    response = client_for(vera).post(
        reverse("sharing:create"), {"generation": team_image.pk, "days": "30"}, headers=HTMX
    )
    assert response.status_code == 403 and not ShareLink.objects.filter(generation=team_image)
    bob = django_user_model.objects.get(username="bob")
    share(client_for(bob), generation=team_image.pk, days="30")

    # The detail page offers "Share…".
    page = alice_client.get(picture.get_absolute_url()).content.decode()
    assert reverse("sharing:create") in page and 'name="days"' in page


def test_collections_share_their_own_images_only(
    alice, alice_key, alice_client, team, team_key, sandbox_url, django_user_model
):
    bob = django_user_model.objects.get(username="bob")
    vera = django_user_model.objects.get(username="vera")
    kite, boat, elsewhere = (
        flux(alice, team_key, "a red kite"),
        flux(bob, team_key, "a blue boat"),
        flux(alice, alice_key, "alice's personal lake"),
    )
    not_in = flux(alice, team_key, "not in the collection")
    collection = CollectionFactory(  # a personal image slipped in: never shown
        team=team, owner=alice, name="Seaside picks", generations=[kite, boat, elsewhere]
    )

    # A viewer may not share a team collection; a creator may.
    response = client_for(vera).post(
        reverse("sharing:create"), {"collection": collection.pk, "days": "7"}, headers=HTMX
    )
    assert "Viewers cannot share" in response.content.decode()
    link = share(client_for(bob), collection=collection.pk)

    visitor = Client()
    html = visitor.get(f"/s/{link.token}/").content.decode()
    assert shown_assets(html) == {str(kite.images[0].pk), str(boat.images[0].pk)}
    assert "a red kite" in html and "a blue boat" in html
    # The page is titled with the collection's name (the share form says so), under the
    # studio's name; nothing of the team.
    assert "<title>Seaside picks · Studio</title>" in html
    assert "<h1>Seaside picks</h1>" in html and "<p>A shared collection · Made with Studio" in html
    assert (
        '<p class="brand"><span class="brand-mark" aria-hidden="true"></span><strong>Studio</strong></p>'
        in html
    )
    for word in ("alice's personal lake", "not in the collection", TEAM_NAME):
        assert word not in html, word
    for generation in (elsewhere, not_in):
        url = f"/s/{link.token}/a/{generation.images[0].pk}/file/"
        assert visitor.get(url).status_code == 404

    # A personal collection: its owner only.
    mine = CollectionFactory(owner=alice, name="Mine", generations=[elsewhere])
    response = client_for(bob).post(reverse("sharing:create"), {"collection": mine.pk, "days": "7"})
    assert response.status_code == 404
    personal = share(alice_client, collection=mine.pk)
    assert shown_assets(visitor.get(f"/s/{personal.token}/").content.decode()) == {
        str(elsewhere.images[0].pk)
    }


def test_team_owners_see_and_revoke_the_teams_links(
    alice, alice_client, team, team_key, sandbox_url, django_user_model
):
    bob = django_user_model.objects.get(username="bob")
    vera = django_user_model.objects.get(username="vera")
    image = flux(bob, team_key, "a blue boat")
    bobs = share(client_for(bob), generation=image.pk)
    # vera made hers while she was a creator; she is a viewer now
    Membership.objects.filter(user=vera).update(role=Role.CREATOR)
    veras = share(client_for(vera), generation=image.pk)
    Membership.objects.filter(user=vera).update(role=Role.VIEWER)

    # Vera sees her own link only and cannot revoke bob's.
    listing = client_for(vera).get(reverse("sharing:links")).content.decode()
    assert f'id="link-{veras.pk}"' in listing and f'id="link-{bobs.pk}"' not in listing
    assert client_for(vera).post(reverse("sharing:revoke", args=[bobs.pk])).status_code == 404

    # Alice, the owner, sees both, with who made them, and revokes bob's (htmx: the row).
    listing = alice_client.get(reverse("sharing:links")).content.decode()
    assert f'id="link-{veras.pk}"' in listing and f'id="link-{bobs.pk}"' in listing
    assert "bob" in listing and "vera" in listing
    row = alice_client.post(reverse("sharing:revoke", args=[bobs.pk]), headers=HTMX)
    assert 'data-state="revoked"' in row.content.decode()
    assert Client().get(f"/s/{bobs.token}/").status_code == 404

    # Someone removed from the team no longer shares its images.
    Membership.objects.filter(user=vera).delete()
    assert Client().get(f"/s/{veras.token}/").status_code == 404
