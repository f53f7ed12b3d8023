"""The lineage tree: a real chain made through the sandbox over HTTP (imagine → U2 → Vary
(Strong) → Upscale ×2), as the service builds it and as the detail page's section shows it;
strangers get 404, team members see it; a deleted middle step does not break it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from studio.generation import lineage, presses
from studio.generation.models import Action, Generation, Status
from studio.teams.models import Role
from tests.factories import MidjourneyJobFactory, ProviderKeyFactory, TeamFactory, UserFactory
from tests.support import run_to_final

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def public(sandbox_url, live_server, settings):
    """Signed image URLs point at the live server, where the sandbox fetches them."""
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


def finished(generation: Generation) -> Generation:
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    return generation


def make_chain(user, key, client) -> dict[str, Generation]:
    """imagine → U2 → Vary (Strong) → the Upscale tool (×2) on the vary's first image."""
    prompt = "a lighthouse at dusk --ar 3:2"
    grid = finished(MidjourneyJobFactory(user=user, provider_key=key, prompt=prompt))
    u2 = finished(presses.button_press(user=user, parent=grid, button="U2"))
    vary = finished(presses.button_press(user=user, parent=u2, button="Vary (Strong)"))
    response = client.post(
        reverse("generation:tool", args=["upscale"]),
        {"image_assets": [str(vary.images[0].pk)], "scale": "2", "key": key.pk},
    )
    assert response.status_code == 302
    upscale = finished(Generation.objects.get(action=Action.UPSCALE))
    return {"grid": grid, "u2": u2, "vary": vary, "upscale": upscale}


def shape(node: lineage.Node) -> tuple:
    """(label, [children's shapes]) for comparing whole trees."""
    return (node.label, [shape(child) for child in node.children])


def section(client, generation) -> str:
    response = client.get(reverse("generation:lineage", args=[generation.pk]), headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def node_html(html: str, generation: Generation) -> str:
    """The entry (not the subtree) of one node of the rendered tree."""
    match = re.search(
        rf'<li class="lineage-node([^"]*)" data-id="{generation.pk}">\s*'
        r'<span class="lineage-entry">(.*?)</span>\s*(?:<ul>|</li>)',
        html,
        re.S,
    )
    assert match, f"no node for {generation.pk}"
    return match.group(1) + match.group(2)


def test_a_real_chain_gives_the_expected_tree(alice, alice_key, alice_client, public):
    chain = make_chain(alice, alice_key, alice_client)
    grid, u2, vary, upscale = chain.values()
    assert {g.root_id for g in chain.values()} == {grid.pk}

    # From any node the tree is the same, from the first prompt.
    for generation in chain.values():
        tree = lineage.lineage_tree(alice, generation)
        assert tree.generation == grid
        assert shape(tree) == (
            "Midjourney",
            [("Upscale 2", [("Vary (Strong)", [("Upscale ×2", [])])])],
        )
    # One query for the tree and one for its files.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        lineage.lineage_tree(alice, vary)
    assert len(queries) == 2

    html = section(alice_client, vary)
    # Every node links to its page and shows a thumbnail and its status.
    for generation in chain.values():
        entry = node_html(html, generation)
        assert generation.get_absolute_url() in entry
        thumb = reverse("generation:asset", args=[generation.images[0].pk, "thumb"])
        assert thumb in entry
        assert ">done<" in entry
    # The current one is highlighted.
    assert node_html(html, vary).startswith(" current")
    assert 'aria-current="page"' in node_html(html, vary)
    assert "current" not in node_html(html, u2).split('"')[0]
    # "Continue from here": to the buttons of a Midjourney result, the Tools page for the
    # upscale (no buttons); "Reuse settings" on the first prompt only, in a new tab.
    assert f"{u2.get_absolute_url()}#actions" in node_html(html, u2)
    tools = f"{reverse('generation:tools')}?image={upscale.images[0].pk}"
    assert tools in node_html(html, upscale)
    reuse = f"{reverse('generation:midjourney_new')}?retry={grid.pk}"
    assert reuse in node_html(html, grid) and 'target="_blank"' in node_html(html, grid)
    assert "Reuse settings" not in node_html(html, u2)
    # The reused form is filled with the first prompt.
    form = alice_client.get(reuse).content.decode()
    assert "a lighthouse at dusk" in form

    # The detail page loads the section; without JavaScript, a page of its own.
    detail = alice_client.get(vary.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("generation:lineage", args=[vary.pk])}"' in detail
    page = alice_client.get(reverse("generation:lineage", args=[vary.pk])).content.decode()
    assert '<nav aria-label="Main">' in page and 'id="lineage"' in page and "Vary (Strong)" in page


def test_strangers_get_404_and_team_members_see_the_tree(alice, alice_client, charlie, public):
    bob = UserFactory(username="bob")
    team = TeamFactory(
        name="Harbour Studio", created_by=alice, members={alice: Role.OWNER, bob: Role.VIEWER}
    )
    team_key = ProviderKeyFactory(user=alice, team=team)
    grid = finished(MidjourneyJobFactory(user=alice, provider_key=team_key, prompt="a red kite"))
    u1 = finished(presses.button_press(user=alice, parent=grid, button="U1"))
    assert u1.team == team

    stranger = Client()
    stranger.force_login(charlie)
    for generation in (grid, u1):
        url = reverse("generation:lineage", args=[generation.pk])
        assert stranger.get(url, headers=HTMX).status_code == 404
        assert stranger.get(url).status_code == 404

    member = Client()
    member.force_login(bob)
    html = section(member, u1)
    assert grid.get_absolute_url() in html and u1.get_absolute_url() in html
    assert "Upscale 1" in node_html(html, u1)


def test_a_deleted_middle_step_leaves_its_children_on_the_root(
    alice, alice_key, alice_client, public
):
    chain = make_chain(alice, alice_key, alice_client)
    grid, u2, vary, upscale = chain.values()
    u2.delete()  # vary keeps its root; its parent is gone

    tree = lineage.lineage_tree(alice, upscale)
    assert shape(tree) == ("Midjourney", [("Vary (Strong)", [("Upscale ×2", [])])])
    [orphan] = tree.children
    assert orphan.orphan and orphan.generation == vary
    html = section(alice_client, upscale)
    assert "parent deleted" in node_html(html, vary)
    assert "parent deleted" not in node_html(html, upscale)

    # With the first prompt deleted too, the oldest left leads (found by walking parents).
    grid.delete()
    upscale.refresh_from_db()
    assert upscale.root_id is None
    tree = lineage.lineage_tree(alice, upscale)
    assert shape(tree) == ("Vary (Strong)", [("Upscale ×2", [])])
    assert section(alice_client, upscale).count("lineage-node") == 2


def test_a_long_chain_renders_as_nested_lists(alice, alice_key, alice_client):
    """A hundred and fifty zoom-outs in a row (rows made here: no provider needed) nest that deep, and
    the section is well formed: every list that opens closes, at the right place."""
    root = Generation.objects.create(
        user=alice, provider_key=alice_key, model="midjourney", status=Status.DONE
    )
    Generation.objects.filter(pk=root.pk).update(root=root)
    parent = root
    for _ in range(150):
        parent = Generation.objects.create(
            user=alice,
            provider_key=alice_key,
            model="midjourney",
            status=Status.DONE,
            action=Action.BUTTON,
            button="Zoom Out 2x",
            parent=parent,
            root=root,
        )
    sibling = Generation.objects.create(
        user=alice,
        provider_key=alice_key,
        model="midjourney",
        action=Action.BUTTON,
        button="U1",
        parent=root,
        root=root,
    )
    html = section(alice_client, parent)
    assert html.count('class="lineage-node') == 152
    # The tree's own list, the first prompt's children, and one under each zoom but the last.
    assert html.count("<ul") == html.count("</ul>") == 151
    assert html.count("<li") == html.count("</li>") == 152
    # U1 is the first prompt's second child: back at depth one after the long branch.
    assert re.search(
        rf"</span>\s*</li>(</ul>\s*</li>\s*){{149}}<li[^>]+data-id=\"{sibling.pk}\"", html
    )
