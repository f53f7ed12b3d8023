"""Every URL of the studio, tried as each kind of person ("each gets exactly what
its role allows"; the staff console and ban-word pages are staff-only).

The URL conf is enumerated, so a new URL fails `test_every_url_is_classified` until it is
given a row in RULES. Each row says which objects fill the URL's arguments, which method,
data and headers to send and what the URL needs:
  PUBLIC     anyone, signed in or not
  SIGNED     any signed-in person (a page of their own current workspace)
  WS_CREATE  signed in, and the current workspace lets them make things: a team viewer
             gets 403 with a sentence (their personal workspace always does)
  OWN        a personal object: only its owner; everyone else 404
  VIEW / CREATE / MANAGE   a team object: members with that role or above; a member with a
             lower role gets 403; anyone outside the team gets 404
  OTHER      an object of the outsider's team: the outsider alone; everyone else 404
  STAFF      staff only; everyone else 404
  GONE       nobody (an unknown, revoked or expired token, or an id of another team's
             object under this team's URL): 404 for everyone
Signed-out people are sent to the login page wherever more than PUBLIC is needed. A row may
also give explicit outcomes per person (`expect`) where the rule is not one of these.

Each person's request runs in a savepoint rolled back afterwards, so every person meets the
same world. Besides the status, every request is checked for two things a person would
notice: a refused request (403, 404, login) changes nothing, and no HTML answer shows text
the person may not see (team names, prompts, ids, tokens and usernames of other workspaces;
`SECRETS` below), unless the row says the page reveals it on purpose (a share link shows
its images' prompts to anyone holding it).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from studio.accounts.models import ProviderKey
from studio.banwords.models import BanListVersion
from studio.console.models import AuditEntry, ConsoleCommand, ConsoleSettings
from studio.credits.models import Kind, LedgerEntry
from studio.gallery.models import Collection, CollectionItem, Favourite
from studio.generation.models import Asset, Generation, Status
from studio.sharing.models import ShareLink
from studio.teams import access
from studio.teams.models import Invitation, Membership, Role, Team
from studio.uploads.models import Upload
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

PUBLIC, SIGNED, WS_CREATE, OWN = "public", "signed", "ws_create", "own"
VIEW, CREATE, MANAGE, OTHER, STAFF, GONE = "view", "create", "manage", "other", "staff", "gone"
PEOPLE = ("owner", "creator", "viewer", "outsider", "stranger", "staff", "anonymous")
MEMBERS = frozenset({"owner", "creator", "viewer"})
# Usernames distinct enough to be searched for in pages (see SECRETS).
USERNAMES = {
    "owner": "ophelia31",
    "creator": "cosmo32",
    "viewer": "vesna33",
    "outsider": "otto34",
    "stranger": "sten35",
    "staff": "stafford36",
}
# URL prefixes with their own authentication (the sandbox checks bearer keys; the admin is
# Django's) or none of ours.
SKIPPED_PREFIXES = ("admin/", "sandbox/", "static/", "media/")
HTMX = {"HX-Request": "true"}
# A port nothing listens on: a page that asks the provider (the header's balance) gets a
# quick "connection refused" instead of reaching whatever runs on the default address.
UNREACHABLE = "http://127.0.0.1:9/sandbox/imaginepro/api/v1"


@dataclass
class Case:
    """One request. `args`, `data` and `query` values naming objects of the world are
    replaced by their id (World.arg); `level` as above, or `expect`: person → outcomes."""

    level: str | None
    args: dict = field(default_factory=dict)
    method: str = "get"
    data: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    expect: dict[str, set[str]] | None = None
    # SECRETS this page shows to anyone who may open it (e.g. a share link's prompt).
    reveals: tuple[str, ...] = ()
    # Extra check of one answer: (world, person, response) → what is wrong, or "".
    check: Callable | None = None
    # Where the page itself sends everyone to the login page (logging out).
    to_login: bool = False


def team_and_own(method="get", level=VIEW, data=None, headers=None, with_asset=False, **args):
    """The same URL on a team generation (needs `level`) and on a personal one (OWN);
    `with_asset`: with `?asset=` naming that generation's image (the lightbox panel)."""
    rows = []
    for prefix, needs in (("team", level), ("own", OWN)):
        query = {"asset": f"{prefix}_asset"} if with_asset else {}
        filled = {"generation_id": f"{prefix}_generation", **args}
        rows.append(Case(needs, filled, method, dict(data or {}), query, dict(headers or {})))
    return rows


def only(**outcomes) -> dict[str, set[str]]:
    """Explicit outcomes: the named people get theirs, everyone else (signed in) 404 and
    the anonymous visitor the login page."""
    expect = {person: {"404"} for person in PEOPLE}
    expect["anonymous"] = {"login"}
    expect.update({person: {value} for person, value in outcomes.items()})
    return expect


# Another team's object under this team's owner-only URL: this team's owner gets 404 (no
# such object here); its creators and viewers are refused before anything is looked up.
UNDER_TEAM = {**only(), "creator": {"403"}, "viewer": {"403"}}


# --- checks of one answer ----------------------------------------------------------------


def zip_names(response) -> list[str]:
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body)).namelist()


def zip_holds_only_visible(world, person, response) -> str:
    """A ZIP answer holds files of generations the person may see, and only those."""
    if response.get("Content-Type") != "application/zip":
        return ""
    names = zip_names(response)
    if not names:
        return "an empty ZIP"
    wrong = [
        name
        for name in names
        for marker, seers in world.prompt_slugs.items()
        if marker in name and person not in seers
    ]
    return f"the ZIP holds {wrong}" if wrong else ""


def is_zip(world, person, response) -> str:
    """Whoever is let in gets the archive itself, not a message."""
    if outcome(response) == "allow" and response.get("Content-Type") != "application/zip":
        return f"not a ZIP but {response.status_code} {response.get('Content-Type')}"
    return ""


def made_by(people: set[str]):
    """The request made a generation for exactly these people (valid data, usable key)."""

    def check(world, person, response) -> str:
        made = response.status_code == 302 and response["Location"] == reverse("generation:gallery")
        made = made and "Submitted" in " ".join(
            str(m)
            for m in response.wsgi_request._messages  # the flash message
        )
        if made != (person in people):
            return "made a generation" if made else "made no generation"
        return ""

    return check


def not_chosen(name: str):
    """The "add to a collection" page counts only generations the person may see."""

    def check(world, person, response) -> str:
        if person in world.seers(name) or response.status_code != 200:
            return ""
        page = response.content.decode()
        ok = "None of the chosen generations is here any more." in page
        return "" if ok else "the page offers to add an image they may not see"

    return check


def not_collected(name: str):
    """The generation `name` joined no collection for someone who may not see it."""

    def check(world, person, response) -> str:
        if person in world.seers(name):
            return ""
        joined = CollectionItem.objects.filter(generation=world.objects[name]).exists()
        return "it joined a collection" if joined else ""

    return check


def no_collection_named(name: str, of: str):
    """Someone who may not see generation `of` got no collection called `name` for it."""

    def check(world, person, response) -> str:
        if person in world.seers(of):
            return ""
        made = Collection.objects.filter(name=name).exists()
        return f"a collection “{name}” was made from nothing visible" if made else ""

    return check


def both(*checks):
    def run(world, person, response):
        return "; ".join(filter(None, (check(world, person, response) for check in checks)))

    return run


# --- the rules ---------------------------------------------------------------------------

FLUX = {"prompt": "a paper boat", "n": "1", "aspect_ratio": "1:1", "output_format": "png"}
BAR = {"prompt": "a paper boat", "models": "flux", "flux-n": "1", "flux-output_format": "png"}
# A form page: a viewer opening it is sent back to the gallery with a sentence, submitting
# it is 403; "Retry with the same settings" prefills from a generation one may see, else
# 404 (a team viewer is sent to the gallery before anything is looked up).
FORM_ROWS = [
    Case(SIGNED),
    Case(WS_CREATE, method="post", data={"prompt": ""}),
    Case(VIEW, query={"retry": "team_generation"}),
    Case(
        OWN, query={"retry": "own_generation"}, expect={**only(owner="allow"), "viewer": {"allow"}}
    ),
]


def card_for_members_only(world, person, response) -> str:
    """The live channel's cards: a member gets the team's card, anyone else an empty answer."""
    shown = f'id="card-{world.objects["team_generation"].pk}"' in response.content.decode()
    if shown != (person in MEMBERS):
        return f"the team's card {'shown' if shown else 'missing'}"
    return ""


RULES: dict[str, list[Case]] = {
    # --- gallery and forms: one's own workspace ---
    "generation:gallery": [
        Case(SIGNED),
        Case(SIGNED, headers=HTMX, query={"page": "1"}),
        # Filters name only the current workspace's collections and members: another
        # team's collection or member id is ignored, never shown.
        Case(SIGNED, query={"collection": "team_collection", "member": "creator_user"}),
        Case(SIGNED, query={"collection": "own_collection"}),
    ],
    # The nav offers "New" to everyone (tests/teams/test_team_keys.py): see FORM_ROWS.
    "generation:nano_banana_new": FORM_ROWS,
    "generation:lumi_girl_new": FORM_ROWS,
    # Any key id may be posted: a generation is made only with a key of the current
    # workspace the person may spend with (checked after every request: spent_elsewhere).
    "generation:flux_new": [
        *FORM_ROWS,
        *(
            Case(WS_CREATE, method="post", data={**FLUX, "key": key}, check=check)
            for key, check in (
                ("team_key", made_by({"owner", "creator"})),
                ("own_key", made_by(set())),
                ("other_key", made_by({"outsider"})),
            )
        ),
    ],
    "generation:midjourney_new": FORM_ROWS,
    # A picked gallery image prefills only when the person may see it; anyone else gets
    # the empty form.
    "generation:video_new": [
        *FORM_ROWS,
        Case(SIGNED, query={"start_frame": "team_asset"}),
        Case(SIGNED, query={"start_frame": "own_asset"}),
    ],
    "generation:midjourney_preview": [Case(SIGNED, method="post", data={"prompt": "a cat"})],
    # The gallery's prompt bar posts the model forms' own fields under the model's prefix;
    # like a form, a generation is made only with a key of the current workspace.
    "generation:bar_submit": [
        Case(WS_CREATE, method="post", data={"prompt": ""}),
        *(
            Case(WS_CREATE, method="post", data={**BAR, "key": key}, check=check)
            for key, check in (
                ("team_key", made_by({"owner", "creator"})),
                ("own_key", made_by(set())),
                ("other_key", made_by({"outsider"})),
            )
        ),
    ],
    "generation:bar_quote": [Case(SIGNED, query={"prompt": "a+cat", "models": "flux"})],
    "generation:tools": [Case(SIGNED)],
    "generation:tool": [
        Case(SIGNED, {"tool": "upscale"}),
        Case(WS_CREATE, {"tool": "upscale"}, "post"),
        Case(WS_CREATE, {"tool": "describe"}, "post"),
    ],
    # Enhance with the workspace's key: a viewer has none (an error fragment, 200); another
    # team's key is 404 to everyone but that team's creators and owners.
    "generation:enhance": [
        Case(SIGNED, method="post", data={"prompt": ""}),
        # A key of another workspace than the current one: the owner's personal key while
        # she works in the team is 404 too.
        Case(GONE, method="post", data={"prompt": "", "key": "own_key"}),
        Case(GONE, method="post", data={"prompt": "", "key": "not-a-uuid"}),
        Case(OTHER, method="post", data={"prompt": "", "key": "other_key"}),
    ],
    "generation:credits": [Case(SIGNED), Case(SIGNED, headers=HTMX)],
    # Public on purpose: the price list is the provider's published table, no one's data.
    "generation:prices": [Case(PUBLIC)],
    "generation:import_start": [
        Case(WS_CREATE, method="post"),
        # Another workspace's key: 404, but to that team's people (a viewer anywhere is
        # refused before any key is looked up).
        Case(
            None,
            method="post",
            data={"key": "other_key"},
            expect={**only(outsider="allow"), "viewer": {"403"}},
        ),
    ],
    "generation:import_status": [Case(SIGNED), Case(SIGNED, headers=HTMX)],
    # --- one generation ---
    "generation:detail": [
        *team_and_own(),
        Case(OTHER, {"generation_id": "other_generation"}),
        Case(VIEW, {"generation_id": "team_child"}),
        Case(None, {"generation_id": "creator_child"}, expect=only(creator="allow")),
    ],
    "generation:compare": [*team_and_own(), Case(VIEW, {"generation_id": "team_child"})],
    # The live channel: a stream of the person's own changed cards (tests/gallery/test_live.py).
    "generation:live": [Case(SIGNED)],
    # Cards by id: only those the person may see are drawn (the leak checks catch others).
    "generation:cards": [
        Case(SIGNED, query={"id": "team_generation"}, check=card_for_members_only),
    ],
    "generation:card": [
        *team_and_own(),
        *team_and_own(headers=HTMX),
        Case(VIEW, {"generation_id": "team_child"}, headers=HTMX),
    ],
    "generation:lightbox": [
        *team_and_own(with_asset=True),
        *team_and_own(with_asset=True, headers=HTMX),
        Case(VIEW, {"generation_id": "team_child"}, headers=HTMX),
        # An asset of another generation under this one's panel: 404 for everyone.
        Case(
            GONE,
            {"generation_id": "team_generation"},
            query={"asset": "other_asset"},
            expect=None,
        ),
    ],
    "generation:lineage": [
        *team_and_own(),
        *team_and_own(headers=HTMX),
        Case(VIEW, {"generation_id": "team_child"}),
        Case(VIEW, {"generation_id": "team_child"}, headers=HTMX),
    ],
    "generation:press": team_and_own("post", CREATE, {"button": "U1"}),
    "generation:vary_region": [
        *team_and_own(level=CREATE),
        *team_and_own("post", CREATE, {"mask": "", "prompt": ""}),
    ],
    # Stopping a job is for its maker or a team owner (as deleting): a creator may not stop
    # the owner's job (team_running), but may stop their own (team_running_by_creator).
    "generation:cancel": [
        Case(
            None,
            {"generation_id": "team_running"},
            "post",
            expect=only(owner="allow", creator="403", viewer="403"),
        ),
        Case(OWN, {"generation_id": "own_running"}, "post"),
        Case(
            None,
            {"generation_id": "team_running"},
            "post",
            headers=HTMX,
            expect=only(owner="allow", creator="403", viewer="403"),
        ),
        Case(CREATE, {"generation_id": "team_running_by_creator"}, "post"),
    ],
    "generation:video_extend": team_and_own("post", CREATE, {"index": "1"}),
    "generation:describe_generate": team_and_own("post", CREATE, {"index": "1"}),
    # The provider's webhook: no login, the secret token is the credential; a
    # wrong token is the same 404 for everyone, signed in or not, and changes nothing.
    "generation:webhook": [
        Case(GONE, {"generation_id": "team_generation", "token": "not-the-token"}, "post"),
        Case(GONE, {"generation_id": "own_generation", "token": "not-the-token"}, "post"),
    ],
    "generation:asset": [
        Case(VIEW, {"asset_id": "team_asset", "kind": "file"}),
        Case(VIEW, {"asset_id": "team_asset", "kind": "thumb"}),
        Case(VIEW, {"asset_id": "team_asset", "kind": "file"}, query={"download": "1"}),
        Case(OWN, {"asset_id": "own_asset", "kind": "file"}),
        Case(OWN, {"asset_id": "own_asset", "kind": "thumb"}),
        Case(OTHER, {"asset_id": "other_asset", "kind": "file"}),
    ],
    # --- ImagineLab ---
    "imaginelab:new": [
        Case(SIGNED, {"generation_type": "image"}),
        Case(WS_CREATE, {"generation_type": "image"}, "post"),
        Case(GONE, {"generation_type": "no-such-type"}),
    ],
    # Only a key of the current workspace (none here is an ImagineLab key): 404.
    "imaginelab:models_refresh": [
        Case(GONE, method="post", data={"key": "team_key"}),
        Case(GONE, method="post", data={"key": "not-a-uuid"}),
    ],
    "imaginelab:credits": [Case(SIGNED)],
    # Its maker or a team owner (team_generation is the owner's; a Midjourney generation
    # is then refused with a message, nothing deleted).
    "imaginelab:delete": [
        *team_and_own("post", MANAGE),
        Case(CREATE, {"generation_id": "team_made_by_creator"}, "post"),
    ],
    # The icon's old address: a redirect to the static file, for anyone.
    "favicon": [Case(PUBLIC)],
    # --- accounts ---
    "signup": [Case(PUBLIC)],
    "login": [Case(PUBLIC)],
    "logout": [Case(PUBLIC, method="post", to_login=True)],
    "keys": [Case(SIGNED), Case(SIGNED, method="post", data={"name": "", "api_key": ""})],
    "key_sandbox": [Case(SIGNED, method="post")],
    # ImagineLab keys: empty forms fail before the provider is asked anything.
    "key_lab": [Case(SIGNED, method="post")],
    "key_lab_sign_in": [Case(SIGNED, method="post")],
    "key_lab_sandbox": [Case(SIGNED, method="post")],
    "key_lab_sign_up": [Case(SIGNED, method="post")],
    "key_lab_forgot_password": [Case(SIGNED, method="post")],
    # Someone else's key, or a team's, is not found; one's own non-ImagineLab key is
    # answered with a sentence, nothing asked of a provider.
    "key_lab_who_am_i": [
        Case(OWN, {"key_id": "own_key"}, "post"),
        Case(GONE, {"key_id": "team_key"}, "post"),
    ],
    "key_lab_sign_in_again": [
        Case(OWN, {"key_id": "own_key"}, "post"),
        Case(GONE, {"key_id": "team_key"}, "post"),
    ],
    "key_rename": [
        Case(OWN, {"key_id": "own_key"}, "post", {"name": "renamed"}),
        # A team's key is managed on the team's page only, even by its owner.
        Case(GONE, {"key_id": "team_key"}, "post", {"name": "renamed"}),
    ],
    "key_delete": [
        Case(OWN, {"key_id": "own_key"}, "post"),
        Case(GONE, {"key_id": "team_key"}, "post"),
    ],
    "password_change": [Case(SIGNED)],
    "password_change_done": [Case(SIGNED)],
    "password_reset": [Case(PUBLIC)],
    "password_reset_done": [Case(PUBLIC)],
    "password_reset_confirm": [Case(PUBLIC, {"uidb64": "MQ", "token": "set-password"})],
    "password_reset_complete": [Case(PUBLIC)],
    # --- uploads: signed links are public by design (the provider fetches them) ---
    "uploads:public_upload": [
        Case(PUBLIC, {"token": "upload_token", "object_id": "upload", "ext": "jpg"}),
        Case(GONE, {"token": "tampered_token", "object_id": "upload", "ext": "jpg"}),
        # A token signed for another object, or for an asset, opens nothing.
        Case(GONE, {"token": "asset_token", "object_id": "upload", "ext": "jpg"}),
    ],
    "uploads:public_asset": [
        Case(PUBLIC, {"token": "asset_token", "object_id": "team_asset", "ext": "png"}),
        Case(GONE, {"token": "asset_token", "object_id": "own_asset", "ext": "png"}),
        Case(GONE, {"token": "upload_token", "object_id": "team_asset", "ext": "png"}),
    ],
    "uploads:picker": [Case(SIGNED), Case(SIGNED, query={"page": "2"})],
    # --- teams ---
    "teams:index": [Case(SIGNED), Case(SIGNED, method="post", data={"name": ""})],
    "teams:switch": [
        Case(VIEW, method="post", data={"workspace": "team"}),
        Case(SIGNED, method="post", data={"workspace": ""}),
        Case(OTHER, method="post", data={"workspace": "other_team"}),
        Case(GONE, method="post", data={"workspace": "not-a-uuid"}),
    ],
    # The link is the secret: whoever holds it sees which team invites whom (and signs in,
    # or accepts). Accepting works only for the invited person; anyone else is told why.
    "teams:invitation": [
        Case(
            PUBLIC,
            {"token": "invitation_token"},
            reveals=("team_name", "invitation", "sten35", "ophelia31"),
        ),
        Case(
            None,
            {"token": "invitation_token"},
            "post",
            expect={
                **{person: {"400"} for person in ("owner", "creator", "viewer", "outsider")},
                "stranger": {"allow"},
                "staff": {"400"},
                "anonymous": {"login"},
            },
            reveals=("team_name", "invitation", "sten35", "ophelia31"),
        ),
        Case(GONE, {"token": "unknown-token"}),
        Case(GONE, {"token": "unknown-token"}, "post"),
    ],
    "teams:detail": [
        Case(VIEW, {"team_id": "team"}),
        Case(OTHER, {"team_id": "other_team"}),
    ],
    "teams:rename": [Case(MANAGE, {"team_id": "team"}, "post", {"name": "Renamed"})],
    "teams:delete": [
        Case(MANAGE, {"team_id": "team"}),
        Case(MANAGE, {"team_id": "team"}, "post"),
    ],
    "teams:leave": [Case(VIEW, {"team_id": "team"}, "post")],
    "teams:invite": [
        Case(
            MANAGE,
            {"team_id": "team"},
            "post",
            {"invitee": "stafford36", "role": "viewer", "days": "7"},
            reveals=("stafford36",),  # the owner typed it
        )
    ],
    "teams:invitation_revoke": [
        Case(MANAGE, {"team_id": "team", "invitation_id": "invitation"}, "post"),
        # Another team's invitation under this team's URL: 404, even for this team's owner.
        Case(
            None,
            {"team_id": "team", "invitation_id": "other_invitation"},
            "post",
            expect=UNDER_TEAM,
        ),
    ],
    "teams:member_role": [
        Case(
            MANAGE,
            {"team_id": "team", "membership_id": "viewer_membership"},
            "post",
            {"role": "creator"},
        ),
        Case(
            None,
            {"team_id": "team", "membership_id": "other_membership"},
            "post",
            {"role": "viewer"},
            expect=UNDER_TEAM,
        ),
    ],
    "teams:member_remove": [
        Case(MANAGE, {"team_id": "team", "membership_id": "viewer_membership"}, "post"),
        Case(
            None,
            {"team_id": "team", "membership_id": "other_membership"},
            "post",
            expect=UNDER_TEAM,
        ),
    ],
    # An empty key fails the form before the provider is asked anything.
    "teams:key_add": [Case(MANAGE, {"team_id": "team"}, "post", {"name": "New", "api_key": ""})],
    "teams:key_sandbox": [Case(MANAGE, {"team_id": "team"}, "post")],
    "teams:key_rename": [
        Case(MANAGE, {"team_id": "team", "key_id": "team_key"}, "post", {"name": "Renamed"}),
        Case(
            None,
            {"team_id": "team", "key_id": "other_key"},
            "post",
            {"name": "Renamed"},
            expect=UNDER_TEAM,
        ),
        Case(
            None,
            {"team_id": "team", "key_id": "own_key"},
            "post",
            {"name": "Renamed"},
            expect=UNDER_TEAM,
        ),
    ],
    "teams:key_delete": [
        Case(MANAGE, {"team_id": "team", "key_id": "team_key"}, "post"),
        Case(None, {"team_id": "team", "key_id": "other_key"}, "post", expect=UNDER_TEAM),
    ],
    # ImagineLab team keys: empty forms fail before ImagineLab is asked anything.
    "teams:lab_key_add": [Case(MANAGE, {"team_id": "team"}, "post")],
    "teams:lab_sign_in": [Case(MANAGE, {"team_id": "team"}, "post")],
    "teams:lab_sandbox": [Case(MANAGE, {"team_id": "team"}, "post")],
    # team_key is an ImaginePro key: its owner is told it does not sign in, nothing changes.
    "teams:lab_sign_in_again": [
        Case(MANAGE, {"team_id": "team", "key_id": "team_key"}, "post"),
        Case(None, {"team_id": "team", "key_id": "other_key"}, "post", expect=UNDER_TEAM),
        Case(None, {"team_id": "team", "key_id": "own_key"}, "post", expect=UNDER_TEAM),
    ],
    # --- credits ---
    "credits:usage": [Case(SIGNED)],
    # Every member sees the team's cap and their own; owners change them.
    "credits:budgets": [
        Case(VIEW, {"team_id": "team"}),
        Case(MANAGE, {"team_id": "team"}, "post", {"team_cap": "500"}),
    ],
    # --- library ---
    # A star is one's own mark: viewers may star what they see.
    "library:favourite": [
        *team_and_own("post"),
        *team_and_own("post", headers=HTMX),
    ],
    "library:collections": [
        Case(SIGNED),
        Case(WS_CREATE, method="post", data={"name": "New picks"}),
    ],
    "library:collection": [
        Case(VIEW, {"collection_id": "team_collection"}),
        Case(VIEW, {"collection_id": "team_collection"}, query={"page": "1"}, headers=HTMX),
        Case(OWN, {"collection_id": "own_collection"}),
    ],
    "library:collection_rename": [
        Case(CREATE, {"collection_id": "team_collection"}, "post", {"name": "Renamed"}),
        Case(OWN, {"collection_id": "own_collection"}, "post", {"name": "Renamed"}),
    ],
    "library:collection_delete": [
        Case(CREATE, {"collection_id": "team_collection"}, "post"),
        Case(OWN, {"collection_id": "own_collection"}, "post"),
    ],
    "library:collection_remove": [
        Case(CREATE, {"collection_id": "team_collection"}, "post", {"ids": ["team_generation"]}),
        Case(OWN, {"collection_id": "own_collection"}, "post", {"ids": ["own_generation"]}),
    ],
    # Ids one may not see are left out, as if unknown: the page says none of them is here,
    # and a new collection made for them stays empty (tests/gallery/test_collections.py).
    "library:collection_add": [
        Case(WS_CREATE),
        Case(WS_CREATE, query={"ids": "team_generation"}, check=not_chosen("team_generation")),
        Case(
            CREATE,
            method="post",
            data={"ids": ["team_generation"], "collection": "team_collection"},
        ),
        # Only the outsider sees that image; a viewer is refused before anything is read.
        Case(
            None,
            method="post",
            data={"ids": ["other_generation"], "name": "Stolen"},
            expect={**only(outsider="allow"), "viewer": {"403"}},
            check=both(
                not_collected("other_generation"),
                no_collection_named("Stolen", of="other_generation"),
            ),
        ),
    ],
    # The archive holds only what the person may see; asking for nothing they may see is 404.
    "library:zip": [
        Case(
            VIEW,
            method="post",
            data={"ids": ["team_generation"]},
            check=both(zip_holds_only_visible, is_zip),
        ),
        Case(
            OWN,
            method="post",
            data={"ids": ["own_generation"]},
            check=both(zip_holds_only_visible, is_zip),
        ),
        Case(
            OTHER,
            method="post",
            data={"ids": ["other_generation"]},
            check=both(zip_holds_only_visible, is_zip),
        ),
    ],
    # Every member sees what a deletion would take and keep; the maker or a team owner
    # deletes (team_generation is the owner's, team_made_by_creator the creator's).
    "library:delete": [
        Case(VIEW, query={"ids": "team_generation"}),
        Case(MANAGE, method="post", data={"ids": ["team_generation"], "confirm": "1"}),
        Case(CREATE, method="post", data={"ids": ["team_made_by_creator"], "confirm": "1"}),
        Case(OWN, method="post", data={"ids": ["own_generation"], "confirm": "1"}),
    ],
    # --- sharing ---
    # A team's image or collection may be shared by its creators and owners (a viewer
    # may look, not publish); one's own by oneself.
    "sharing:create": [
        Case(CREATE, method="post", data={"generation": "team_generation", "days": "7"}),
        Case(OWN, method="post", data={"generation": "own_generation", "days": "7"}),
        Case(CREATE, method="post", data={"collection": "team_collection", "days": "7"}),
        Case(
            CREATE, method="post", data={"collection": "team_collection", "days": "7"}, headers=HTMX
        ),
        Case(OWN, method="post", data={"collection": "own_collection", "days": "7"}),
        # Malformed ids are unknown ids: 404, never an error page.
        Case(GONE, method="post", data={"generation": "not-a-uuid", "days": "7"}),
        Case(GONE, method="post", data={"collection": "not-a-uuid", "days": "7"}),
    ],
    "sharing:links": [Case(SIGNED)],
    # A link is managed by its maker and the team's owners: others never see it (404).
    "sharing:revoke": [
        Case(OWN, {"link_id": "team_share"}, "post"),
        Case(
            None, {"link_id": "creator_share"}, "post", expect=only(owner="allow", creator="allow")
        ),
        Case(OWN, {"link_id": "own_share"}, "post"),
        Case(OWN, {"link_id": "team_share"}, "post", headers=HTMX),
    ],
    # Whoever holds an active link sees what it shares, nothing else; a revoked or expired
    # one, or one whose maker left the team, is the same 404 for everyone.
    "sharing:public": [
        Case(
            PUBLIC,
            {"token": "team_share_token"},
            reveals=("team_prompt", "team_ids", "share_tokens"),  # its files' addresses
        ),
        # A shared collection is titled with its name (the share form says so).
        Case(
            PUBLIC,
            {"token": "collection_share_token"},
            reveals=("team_prompt", "team_ids", "team_collection"),
        ),
        Case(PUBLIC, {"token": "own_share_token"}, reveals=("own_prompt", "own_ids")),
        # A team image made from a personal one: the link shows it, not where it came from.
        Case(PUBLIC, {"token": "child_share_token"}, reveals=("team_prompt",)),
        Case(GONE, {"token": "revoked_share_token"}),
        Case(GONE, {"token": "expired_share_token"}),
        Case(GONE, {"token": "former_share_token"}),
        Case(GONE, {"token": "unknown-token"}),
    ],
    "sharing:asset": [
        Case(PUBLIC, {"token": "team_share_token", "asset_id": "team_asset", "kind": "file"}),
        Case(PUBLIC, {"token": "team_share_token", "asset_id": "team_asset", "kind": "thumb"}),
        Case(PUBLIC, {"token": "collection_share_token", "asset_id": "team_asset", "kind": "file"}),
        # Another file through a valid link, or a good file through a dead link: 404.
        Case(GONE, {"token": "team_share_token", "asset_id": "own_asset", "kind": "file"}),
        Case(GONE, {"token": "collection_share_token", "asset_id": "other_asset", "kind": "file"}),
        Case(GONE, {"token": "revoked_share_token", "asset_id": "team_asset", "kind": "file"}),
        Case(GONE, {"token": "former_share_token", "asset_id": "team_asset", "kind": "file"}),
    ],
    # --- staff only -------------
    "banwords:index": [
        Case(STAFF),
        Case(STAFF, method="post", data={"words": "zzthird", "step": "preview", "base": "2"}),
    ],
    "banwords:history": [Case(STAFF)],
    "banwords:revert": [
        Case(STAFF, {"number": 1}),
        Case(STAFF, {"number": 1}, "post", {"base": "2"}),
    ],
    "banwords:dry_run": [Case(STAFF), Case(STAFF, query={"words": "zzfirst"})],
    "banwords:provider": [Case(STAFF)],
    "console:index": [Case(STAFF)],
    "console:queue_status": [Case(STAFF), Case(STAFF, headers=HTMX)],
    "console:queue_pause": [Case(STAFF, method="post")],
    "console:queue_resume": [Case(STAFF, method="post")],
    "console:queue_reboot": [Case(STAFF), Case(STAFF, method="post")],
    "console:accounts": [Case(STAFF)],
    "console:account_queue": [Case(STAFF, {"account_id": 1}, headers=HTMX)],
    "console:tokens": [Case(STAFF)],
    "console:token_detail": [Case(STAFF, {"token_id": 1})],
    "console:token_toggle": [Case(STAFF, {"token_id": 1}, "post", {"active": "0"})],
    "console:token_command": [Case(STAFF, {"token_id": 1}, "post", {"cmd": "info"})],
    "console:command_status": [
        Case(STAFF, {"command_id": "console_command"}),
        Case(STAFF, {"command_id": "console_command"}, headers=HTMX),
    ],
    "console:trace": [Case(STAFF), Case(STAFF, query={"message_id": "msg-0"})],
    "console:audit": [Case(STAFF)],
    "console:settings": [Case(STAFF), Case(STAFF, method="post", data={"key": ""})],
    "console:faults": [
        Case(STAFF),
        Case(STAFF, method="post", data={"kind": "latency", "on": "any", "probability": "0"}),
    ],
    "console:fault_remove": [Case(STAFF, {"fault_id": 1}, "post")],
    "console:fault_clear": [Case(STAFF, method="post")],
}


def studio_urls() -> list[tuple[str, str | None]]:
    return [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    ]


def test_every_url_is_classified():
    """A URL without a row here has never been tried as a stranger: add it to RULES."""
    unnamed = [route for route, name in studio_urls() if name is None]
    names = {name for _, name in studio_urls() if name}
    missing = sorted(names - set(RULES))
    empty = sorted(name for name, rows in RULES.items() if not rows)
    stale = sorted(set(RULES) - names)
    assert not unnamed, f"give these URLs a name: {unnamed}"
    assert not missing, f"classify these URLs in RULES: {missing}"
    assert not empty, f"these URLs have no row: {empty}"
    assert not stale, f"these rows name no URL: {stale}"


# --- the world --------------------------------------------------------------------------------


def _share(user, days=7, **shared) -> ShareLink:
    return ShareLink.objects.create(
        created_by=user, expires_at=timezone.now() + timedelta(days=days), **shared
    )


class World:
    """The team "Acme Images" (owner, creator, viewer) with a key, finished and running
    generations, a collection, share links and a pending invitation; an outsider who owns
    the team "Elsewhere Ltd" with its own key, image and invitation; a stranger; a staff
    member; the owner's personal key, generations, collection and share link; a former
    member whose link died when they left; ban-list versions, a console command, ledger rows
    and an upload."""

    def __init__(self):
        people = {}
        for name in PEOPLE[:-1]:
            people[name] = UserFactory(username=USERNAMES[name], staff=(name == "staff"))
        self.people = people
        owner, creator, outsider = people["owner"], people["creator"], people["outsider"]
        former = UserFactory(username="fenna37")

        team = TeamFactory(name="Acme Images", created_by=owner)
        memberships = {
            name: MembershipFactory(team=team, user=people[name], role=role)
            for name, role in (
                ("owner", Role.OWNER),
                ("creator", Role.CREATOR),
                ("viewer", Role.VIEWER),
            )
        }
        other_team = TeamFactory(name="Elsewhere Ltd", created_by=outsider)
        other_membership = MembershipFactory(team=other_team, user=outsider, role=Role.OWNER)
        self.team, self.other_team = team, other_team

        team_key = ProviderKeyFactory(user=owner, team=team, name="Acme key")
        own_key = ProviderKeyFactory(user=owner, name="Ophelia's own key")
        # A real key beside the sandbox one: the keys page never shows it whole.
        own_live_key = ProviderKeyFactory(user=owner, live=True, name="Ophelia's own key (live)")
        other_key = ProviderKeyFactory(user=outsider, team=other_team)
        # The stranger and staff have keys too, so forms open for them (and show what a
        # `?retry=` or a picked image would prefill).
        for name in ("stranger", "staff"):
            ProviderKeyFactory(user=people[name])

        team_generation = SandboxGenerationFactory(
            user=owner, provider_key=team_key, team=team, prompt="team-secret lighthouse"
        )
        own_generation = SandboxGenerationFactory(
            user=owner, provider_key=own_key, prompt="owner-private harbour"
        )
        other_generation = SandboxGenerationFactory(
            user=outsider, provider_key=other_key, team=other_team, prompt="elsewhere-only kite"
        )
        team_asset, own_asset, other_asset = (
            AssetFactory(generation=g, size=(96, 64), color=(30, 90, 200))
            for g in (team_generation, own_generation, other_generation)
        )
        # Made with the team's key from a picture of the owner's personal gallery: its
        # parent stays hers alone (the team sees the child, never the parent's prompt).
        team_child = SandboxGenerationFactory(
            user=owner,
            provider_key=team_key,
            team=team,
            prompt="team-secret from a personal picture",
            parent=own_generation,
            root=own_generation,
            own_root=False,
        )
        AssetFactory(generation=team_child, size=(96, 64), color=(30, 90, 200))
        # The other way round: the creator took a team image into her personal gallery.
        # The team never sees that child (not on the parent's page, not in its lineage).
        creator_child = SandboxGenerationFactory(
            user=creator,
            provider_key=ProviderKeyFactory(user=creator),
            prompt="creator-private variation",
            parent=team_generation,
            root=team_generation,
            own_root=False,
        )
        LedgerEntry.objects.create(
            generation=creator_child,
            user=creator,
            model=creator_child.model,
            kind=Kind.CHARGE,
            credits=8,
            note=f"{creator_child.prompt}: 8 credits",
        )
        Favourite.objects.create(user=owner, generation=team_generation)
        Favourite.objects.create(user=people["viewer"], generation=team_generation)
        team_collection = CollectionFactory(
            team=team, owner=owner, name="Acme moodboard", generations=[team_generation]
        )
        own_collection = CollectionFactory(
            owner=owner, name="Ophelia private picks", generations=[own_generation]
        )

        # A former creator shared a team image, then left: the link died with her access.
        former_membership = MembershipFactory(team=team, user=former, role=Role.CREATOR)
        former_share = _share(former, generation=team_generation)
        former_membership.delete()
        revoked_share = _share(owner, generation=team_generation)
        revoked_share.revoked_at = timezone.now()
        revoked_share.save()
        shares = {
            "team_share": _share(owner, generation=team_generation),
            "creator_share": _share(creator, generation=team_generation),
            "collection_share": _share(owner, collection=team_collection),
            "own_share": _share(owner, generation=own_generation),
            "child_share": _share(owner, generation=team_child),
            "revoked_share": revoked_share,
            "expired_share": _share(owner, days=-1, generation=team_generation),
            "former_share": former_share,
        }
        expires = timezone.now() + timedelta(days=7)
        invitation = Invitation.objects.create(
            team=team, invited_by=owner, username="sten35", role=Role.VIEWER, expires_at=expires
        )
        other_invitation = Invitation.objects.create(
            team=other_team, invited_by=outsider, email="new@example.com", expires_at=expires
        )
        for number, word in ((1, "zzfirst"), (2, "zzsecond")):
            BanListVersion.objects.create(number=number, words=[word], created_by=people["staff"])
        console_command = ConsoleCommand.objects.create(
            requested_by=people["staff"], token_id="1", cmd="info"
        )
        for generation in (team_generation, own_generation, other_generation):
            LedgerEntry.objects.create(
                generation=generation,
                user=generation.user,
                team=generation.team,
                model=generation.model,
                kind=Kind.CHARGE,
                credits=8,
                note=f"{generation.prompt}: 8 credits",
            )
        photo = SimpleUploadedFile("photo.png", image_bytes((96, 64), (200, 80, 40)), "image/png")
        upload = upload_create(user=owner, file=photo)
        asset_token = make_token("asset", team_asset.pk)

        self.objects = {
            "team": team,
            "other_team": other_team,
            "team_key": team_key,
            "own_key": own_key,
            "other_key": other_key,
            "creator_user": creator,
            "team_generation": team_generation,
            "team_running": SandboxGenerationFactory(
                user=owner,
                provider_key=team_key,
                team=team,
                status=Status.SUBMITTED,
                prompt="team-secret running",
            ),
            "team_running_by_creator": SandboxGenerationFactory(
                user=creator,
                provider_key=team_key,
                team=team,
                status=Status.SUBMITTED,
                prompt="team-secret running by creator",
            ),
            "team_made_by_creator": SandboxGenerationFactory(
                user=creator, provider_key=team_key, team=team, prompt="team-secret by the creator"
            ),
            "own_generation": own_generation,
            "team_child": team_child,
            "creator_child": creator_child,
            "own_running": SandboxGenerationFactory(
                user=owner,
                provider_key=own_key,
                status=Status.SUBMITTED,
                prompt="owner-private running",
            ),
            "other_generation": other_generation,
            "team_asset": team_asset,
            "own_asset": own_asset,
            "other_asset": other_asset,
            "team_collection": team_collection,
            "own_collection": own_collection,
            **shares,
            **{f"{name}_token": link.token for name, link in shares.items()},
            "invitation": invitation,
            "invitation_token": invitation.token,
            "other_invitation": other_invitation,
            "viewer_membership": memberships["viewer"],
            "other_membership": other_membership,
            "console_command": console_command,
            "upload": upload,
            "upload_token": make_token("upload", upload.pk),
            "asset_token": asset_token,
            "tampered_token": make_token("upload", upload.pk)[:-2] + "xx",
        }
        # What each person may find in an HTML page (name → (texts, who may see them)).
        self.secrets = {
            "team_name": (["Acme Images"], MEMBERS),
            "team_prompt": (["team-secret"], MEMBERS),
            "team_ids": ([str(team_generation.pk), str(team_asset.pk)], MEMBERS),
            "team_collection": (["Acme moodboard"], MEMBERS),
            "team_key_name": (["Acme key"], MEMBERS),
            "own_prompt": (["owner-private"], {"owner"}),
            "creator_prompt": (["creator-private", str(creator_child.pk)], {"creator"}),
            "own_ids": ([str(own_generation.pk), str(own_asset.pk)], {"owner"}),
            "own_collection": (["Ophelia private picks"], {"owner"}),
            "own_key_name": (["Ophelia's own key"], {"owner"}),
            "other_team": (["Elsewhere Ltd", "elsewhere-only"], {"outsider"}),
            "other_ids": ([str(other_generation.pk), str(other_asset.pk)], {"outsider"}),
            # Real keys are never shown whole, to anyone; a sandbox key (a simulator's, not a
            # secret) is shown to its owner on the keys page so outside clients can use it.
            "api_keys": (
                [key.api_key for key in (team_key, own_live_key, other_key)],
                set(),
            ),
            "own_sandbox_key": ([own_key.api_key], {"owner"}),
            # Links and invitations: their makers and the team's owners.
            "share_tokens": ([shares["team_share"].token], {"owner"}),
            "creator_share": ([shares["creator_share"].token], {"owner", "creator"}),
            "invitation": ([invitation.token], {"owner"}),
            "members": (["cosmo32", "vesna33"], MEMBERS),
            "ophelia31": (["ophelia31"], MEMBERS),
            "otto34": (["otto34"], {"outsider"}),
            # The owner sees the pending invitation for sten on the team page.
            "sten35": (["sten35"], {"stranger", "owner"}),
            "fenna37": (["fenna37"], {"owner"}),
            "stafford36": (["stafford36"], {"staff"}),
        }
        # Prompt slugs as ZIP entries carry them (studio.gallery.archive.zip_name).
        self.prompt_slugs = {
            slugify("team-secret"): MEMBERS,
            slugify("owner-private"): {"owner"},
            slugify("elsewhere-only"): {"outsider"},
        }

    def seers(self, name: str) -> set[str]:
        """Who may see the generation `name` of the world."""
        generation = self.objects[name]
        return {
            person
            for person in PEOPLE[:-1]
            if generation.team_id in self.team_ids(person)
            or (generation.team_id is None and generation.user_id == self.people[person].pk)
        }

    def team_ids(self, person: str) -> set:
        return set(
            Membership.objects.filter(user=self.people[person]).values_list("team_id", flat=True)
        )

    def arg(self, value):
        """An object's id (or a token) for a name of the world; anything else as given."""
        if isinstance(value, list):
            return [self.arg(item) for item in value]
        if isinstance(value, str) and value in self.objects:
            found = self.objects[value]
            return getattr(found, "pk", found)
        return value

    def sign_in_everyone(self) -> None:
        """A session for each person, in their working workspace: members in the team, the
        outsider in their own team, the others in their personal one. Made with the world,
        so a request that changes or ends a session is rolled back with the rest."""
        self.sessions = {}
        for person, user in self.people.items():
            client = Client()
            client.force_login(user)
            team = {"outsider": self.other_team}.get(
                person, self.team if person in MEMBERS else None
            )
            if team is not None:
                session = client.session
                session["workspace"] = str(team.pk)
                session.save()
            self.sessions[person] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def client(self, person: str) -> Client:
        """A browser of its own for `person`, signed in with their session (none for the
        anonymous person)."""
        client = Client()
        if person != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[person]
        return client

    def state(self) -> tuple:
        """What a refused request must leave as it was."""
        return (
            sorted(Generation.objects.values_list("pk", "status", "team_id", "parent_id")),
            sorted(Asset.objects.values_list("pk", flat=True)),
            sorted(Upload.objects.values_list("pk", flat=True)),
            sorted(Collection.objects.values_list("pk", "name")),
            sorted(CollectionItem.objects.values_list("collection_id", "generation_id")),
            sorted(Favourite.objects.values_list("user_id", "generation_id")),
            sorted(ShareLink.objects.values_list("pk", "revoked_at")),
            sorted(Team.objects.values_list("pk", "name", "monthly_cap")),
            sorted(Membership.objects.values_list("pk", "role", "monthly_cap")),
            sorted(Invitation.objects.values_list("pk", "revoked_at", "accepted_at")),
            sorted(ProviderKey.objects.values_list("pk", "name")),
            sorted(BanListVersion.objects.values_list("pk", flat=True)),
            list(ConsoleSettings.objects.values_list("diy_key_id", flat=True)),
            sorted(ConsoleCommand.objects.values_list("pk", flat=True)),
            sorted(LedgerEntry.objects.values_list("pk", flat=True)),
            AuditEntry.objects.count(),
        )

    def spent_elsewhere(self, person: str, known: set) -> list[str]:
        """New generations made with a key `person` may not spend with, or landing in
        another workspace than their key's."""
        made = Generation.objects.exclude(pk__in=known).select_related("provider_key")
        user = self.people.get(person)
        return [
            f"made {generation.prompt!r} with the key {generation.provider_key}"
            for generation in made
            if user is None
            or generation.provider_key is None
            or not access.key_usable(user, generation.provider_key)
            or generation.team_id != generation.provider_key.team_id
        ]

    def leaks(self, person: str, response, url: str, reveals=()) -> list[str]:
        """The SECRETS an HTML answer shows that `person` may not see. The page's own
        address (echoed, e.g. as the workspace switch's `next`) is what they typed: not a
        leak."""
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            return []
        body = response.content.decode(errors="replace")
        body = body.replace(escape(url), "").replace(url, "")
        return [
            f"shows {name} ({text!r})"
            for name, (texts, seers) in self.secrets.items()
            if person not in seers and name not in reveals
            for text in texts
            if text in body
        ]


def expected(level: str, person: str) -> set[str]:
    """The outcomes allowed for `person` on a URL needing `level`."""
    if level == GONE:
        return {"404", "login"} if person == "anonymous" else {"404"}
    if person == "anonymous":
        return {"allow"} if level == PUBLIC else {"login"}
    if level in (PUBLIC, SIGNED):
        return {"allow"}
    if level == WS_CREATE:
        return {"403"} if person == "viewer" else {"allow"}
    if level == STAFF:
        return {"allow"} if person == "staff" else {"404"}
    if level == OWN:
        return {"allow"} if person == "owner" else {"404"}
    if level == OTHER:
        return {"allow"} if person == "outsider" else {"404"}
    rank = {"viewer": 0, "creator": 1, "owner": 2}
    if person not in rank:
        return {"404"}
    needed = {VIEW: 0, CREATE: 1, MANAGE: 2}[level]
    return {"allow"} if rank[person] >= needed else {"403"}


def allowed_person(case) -> str | None:
    """The first person the matrix lets see `case` (to fetch it as someone allowed)."""
    for person in PEOPLE:
        wanted = case.expect[person] if case.expect else expected(case.level, person)
        if "allow" in wanted:
            return person
    return None


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "login"
    if code in (400, 403, 404, 405) or code >= 500:
        return str(code)
    return "allow"


def fits(got: str, wanted: set[str]) -> bool:
    # A form error (400) still reached the permission check: the person was let in.
    return got in wanted or (got == "400" and "allow" in wanted)


REFUSED = {"403", "404", "login", "405"}


def cases():
    for name, rows in RULES.items():
        for number, case in enumerate(rows):
            yield pytest.param(name, case, id=f"{name}#{number}")


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One World for the module's tests in each test process, in a transaction rolled back
    after them: each test (and each person's request in it) runs in a savepoint inside it,
    rolled back too, so every test still meets the same world, built once rather than per
    test. Its files stay in one folder (deleting files waits for a commit that never comes)."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(SANDBOX_BASE_URL=UNREACHABLE, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        world = World()
        world.sign_in_everyone()
        world.media = media
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db, settings):
    settings.SANDBOX_BASE_URL = UNREACHABLE
    settings.MEDIA_ROOT = built_world.media
    return built_world


def ask(world: World, person: str, url: str, case: Case):
    """`person`'s request, as a browser (or htmx) would send it."""
    data = {key: world.arg(value) for key, value in case.data.items()}
    return getattr(world.client(person), case.method)(url, data, headers=case.headers)


@pytest.mark.parametrize("name,case", list(cases()))
def test_each_person_gets_what_the_role_allows(world, name, case):
    url = reverse(name, kwargs={key: world.arg(value) for key, value in case.args.items()})
    if case.query:
        url += "?" + "&".join(f"{k}={world.arg(v)}" for k, v in case.query.items())
    wrong = []
    # Each person's request is rolled back: every one of them starts from this state.
    before = world.state()
    known = set(Generation.objects.values_list("pk", flat=True))
    for person in PEOPLE:
        wanted = case.expect[person] if case.expect else expected(case.level, person)
        with transaction.atomic():
            try:
                response = ask(world, person, url, case)
            except Exception as exc:  # a 500: name it with the person it happened to
                wrong.append(f"{person}: raised {exc!r}")
                transaction.set_rollback(True)
                continue
            got = outcome(response)
            if case.to_login and got == "login":
                got = "allow"
            if not fits(got, wanted):
                wrong.append(f"{person}: {got} (status {response.status_code}), wanted {wanted}")
            if got in REFUSED and world.state() != before:
                wrong.append(f"{person}: refused ({got}) but something changed")
            wrong += [
                f"{person}: {leak}" for leak in world.leaks(person, response, url, case.reveals)
            ]
            wrong += [f"{person}: {spent}" for spent in world.spent_elsewhere(person, known)]
            if case.check and (problem := case.check(world, person, response)):
                wrong.append(f"{person}: {problem}")
            transaction.set_rollback(True)
    assert not wrong, f"{case.method.upper()} {url} needs {case.level or case.expect}:\n" + (
        "\n".join(wrong)
    )


# --- what the table cannot say -----------------------------------------------------------


def test_a_zip_holds_only_what_the_person_may_see(world):
    """Ids of several workspaces in one selection: each person's archive holds the files of
    the generations they may see, and nothing of the others (no error, no file)."""
    ids = [
        str(world.arg(name)) for name in ("team_generation", "own_generation", "other_generation")
    ]
    got = {}
    for person in ("owner", "viewer", "outsider"):
        response = world.client(person).post(reverse("library:zip"), {"ids": ids})
        assert response.status_code == 200, person
        got[person] = sorted(name.split("-", 3)[3] for name in zip_names(response))
    assert got == {
        "owner": ["owner-private-harbour-1.png", "team-secret-lighthouse-1.png"],
        "viewer": ["team-secret-lighthouse-1.png"],
        "outsider": ["elsewhere-only-kite-1.png"],
    }


def test_a_mixed_deletion_takes_only_what_the_person_may_delete(world):
    """The outsider selects their own image and the team's: theirs goes, the team's stays
    (they never learn it exists); a viewer's deletion of the team's image is refused."""
    team_id, other_id = world.arg("team_generation"), world.arg("other_generation")
    url = reverse("library:delete")

    refused = world.client("viewer").post(url, {"ids": [team_id], "confirm": "1"})
    assert refused.status_code == 403
    assert "Only its maker or a team owner can delete it." in refused.content.decode()

    world.client("outsider").post(url, {"ids": [team_id, other_id], "confirm": "1"})
    assert not Generation.objects.filter(pk=other_id).exists()
    assert Generation.objects.filter(pk=team_id).exists()


def test_a_removed_member_loses_the_team_at_once(world):
    """Removed from the team, the viewer's next requests see nothing of it: its images,
    files, collection and team page are 404, and their workspace falls back to personal."""
    viewer = world.client("viewer")
    detail = reverse("generation:detail", args=[world.arg("team_generation")])
    assert viewer.get(detail).status_code == 200

    owner = world.client("owner")
    membership = world.arg("viewer_membership")
    removed = owner.post(reverse("teams:member_remove", args=[world.team.pk, membership]))
    assert removed.status_code == 302

    for url in (
        detail,
        reverse("generation:asset", args=[world.arg("team_asset"), "file"]),
        reverse("library:collection", args=[world.arg("team_collection")]),
        reverse("teams:detail", args=[world.team.pk]),
    ):
        assert viewer.get(url).status_code == 404, url
    gallery = viewer.get(reverse("generation:gallery")).content.decode()
    assert "team-secret" not in gallery and "Acme Images" not in gallery
