"""Test data, made with factory_boy: people, provider keys, teams, generations with real
stored image files, collections, and jobs saved through the services as the forms save them.

Two ways to make a generation:

- `GenerationFactory` writes the row with the ORM, as the worker would leave it (no ledger, no
  task): for pages that only read rows (gallery, lightbox, access checks).
- `MidjourneyJobFactory` / `FluxJobFactory` go through `studio.generation.services`, as a
  form does: the budget is checked, the cost booked, the submit task queued on commit. Pass
  the result to `tests.support.run_to_final` to have the sandbox finish it.

Uniqueness comes from `factory.Sequence`, which counts per process: under pytest-xdist every
worker has its own database, so two processes never share rows.
"""

from __future__ import annotations

import io
from datetime import timedelta

import factory
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from PIL import Image

from studio.accounts.models import ProviderKey
from studio.accounts.services import sandbox_key_create
from studio.gallery.models import Collection, CollectionItem
from studio.generation import assets, services
from studio.generation.models import Asset, Generation, Model, Status
from studio.teams.models import Membership, Role, Team

PASSWORD = "correct-horse-42"


def image_bytes(size=(64, 48), color=(200, 80, 40), fmt="PNG", mode="RGB", **save) -> bytes:
    """An image of one colour, encoded (`fmt`: a Pillow format name; `save`: its options)."""
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


# --- people and teams ------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A person who can sign in with `PASSWORD`; `staff=True` for a staff member."""

    class Meta:
        model = User

    class Params:
        staff = factory.Trait(is_staff=True)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # create_user hashes the password and normalises the email's domain, as sign-up does.
        return model_class.objects.create_user(*args, **kwargs)


class TeamFactory(DjangoModelFactory):
    """A team; `members={user: role, …}` gives it its memberships, in that order."""

    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    created_by = None

    @factory.post_generation
    def members(team, create, extracted, **kwargs):
        for user, role in (extracted or {}).items():
            MembershipFactory(team=team, user=user, role=role)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CREATOR


# --- provider keys ---------------------------------------------------------------------------


class ProviderKeyFactory(DjangoModelFactory):
    """A provider key of `user`, or of `team` (then `user` is who added it).

    By default a sandbox account opened by `accounts.services.sandbox_key_create`, as the keys
    page does: a real account with starting credits, usable once the `sandbox_url` fixture
    points the settings at the live server. With `api_key` (or a trait) the key is stored as
    given and never checked: `unissued` is a sandbox key the sandbox never issued (every call
    answers 401), `live` a real ImaginePro key, `lab` an ImagineLab sandbox API key.
    """

    class Meta:
        model = ProviderKey

    class Params:
        unissued = factory.Trait(name="Wrong", api_key="sk-sandbox-never-issued-0000")
        live = factory.Trait(
            name="Real", is_sandbox=False, api_key="ip-live-0123456789abcdef0123456789abcdef"
        )
        lab = factory.Trait(
            name="ImagineLab sandbox",
            provider=ProviderKey.PROVIDER_IMAGINELAB,
            auth=ProviderKey.AUTH_KEY,
            api_key="lab-key-" + "0" * 24,
        )

    user = factory.SubFactory(UserFactory)
    team = None
    name = "Sandbox"
    is_sandbox = True
    provider = ProviderKey.PROVIDER_IMAGINEPRO
    api_key = None  # plaintext; None: open a sandbox account

    @classmethod
    def _create(cls, model_class, *, user, team, name, api_key, **fields):
        if api_key is None:
            if not fields["is_sandbox"] or fields["provider"] != ProviderKey.PROVIDER_IMAGINEPRO:
                raise ValueError("only an ImaginePro sandbox key can be opened without api_key")
            key = sandbox_key_create(user=user, team=team)
            if key.name != name:
                key.name = name
                key.save(update_fields=["name"])
            return key
        key = model_class(user=user, team=team, name=name, **fields)
        key.set_api_key(api_key)
        key.save()
        return key


# --- generations and their files -------------------------------------------------------------


class GenerationFactory(DjangoModelFactory):
    """A Midjourney generation row as the worker would leave it, made `days_ago` and
    `minutes_ago` (or at `created_at`). Status traits: `queued`, `running` (the provider is
    working on it), `done` (the default), `failed`, `cancelled` (failed because its maker
    cancelled it); `finished=True` stamps `finished_at` a minute after it was made.
    `own_root=True` makes it the root of its lineage; `images=n` stores n images with it.
    Nothing is sent anywhere."""

    class Meta:
        model = Generation
        skip_postgeneration_save = True

    class Params:
        minutes_ago = 0
        days_ago = 0
        finished = factory.Trait(
            finished_at=factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=1))
        )
        queued = factory.Trait(status=Status.QUEUED)
        running = factory.Trait(status=Status.PROCESSING)
        done = factory.Trait(status=Status.DONE)
        failed = factory.Trait(status=Status.FAILED)
        cancelled = factory.Trait(
            status=Status.FAILED,
            error="Job cancelled",
            cancel_requested_at=factory.LazyFunction(timezone.now),
        )

    user = factory.SubFactory(UserFactory)
    team = None
    provider_key = None
    is_sandbox = factory.LazyAttribute(lambda o: bool(o.provider_key and o.provider_key.is_sandbox))
    model = Model.MIDJOURNEY
    prompt = "a lighthouse at dusk"
    status = Status.DONE
    created_at = factory.LazyAttribute(
        lambda o: timezone.now() - timedelta(days=o.days_ago, minutes=o.minutes_ago)
    )
    own_root = False

    @classmethod
    def _create(cls, model_class, *args, created_at, own_root, **kwargs):
        generation = model_class.objects.create(*args, **kwargs)
        # created_at is auto_now_add: move it with an update.
        update = {"created_at": created_at} | ({"root_id": generation.pk} if own_root else {})
        model_class.objects.filter(pk=generation.pk).update(**update)
        generation.created_at = created_at
        if own_root:
            generation.root_id = generation.pk
        return generation

    @factory.post_generation
    def images(generation, create, extracted, **kwargs):
        """`images=n`: n stored images (`AssetFactory`; `images__size=…` and the like)."""
        for index in range(1, (extracted or 0) + 1):
            AssetFactory(generation=generation, index=index, **kwargs)


class SandboxGenerationFactory(GenerationFactory):
    """A generation of a sandbox `provider_key` as the provider left it: a message id, its
    own root, and, when done, the U1 and V1 buttons. The prompt is empty unless given."""

    is_sandbox = True
    prompt = ""
    message_id = factory.Sequence(lambda n: f"msg-{n}")
    buttons = factory.LazyAttribute(lambda o: ["U1", "V1"] if o.status == Status.DONE else [])
    own_root = True


class AssetFactory(DjangoModelFactory):
    """A stored PNG of `size` and one `color`, with its WebP thumbnail (`thumbnailed=False`:
    none), as `assets.store_asset` would leave them, stored `minutes_ago` when given. Its
    generation is made when not given (`generation__user=…` and the like)."""

    class Meta:
        model = Asset

    class Params:
        size = (64, 48)
        color = (200, 80, 40)
        thumbnailed = True
        data = factory.LazyAttribute(lambda o: image_bytes(o.size, o.color))
        minutes_ago = None

    generation = factory.SubFactory(GenerationFactory)
    role = Asset.Role.IMAGE
    index = 1
    content_type = "image/png"
    width = factory.LazyAttribute(lambda o: o.size[0])
    height = factory.LazyAttribute(lambda o: o.size[1])
    bytes = factory.LazyAttribute(lambda o: len(o.data))
    sha256 = "0" * 64
    source_url = "https://example.invalid/x.png"
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name=f"{o.role}-{o.index}.png"))
    thumbnail = factory.LazyAttribute(
        lambda o: (
            ContentFile(
                assets.make_thumbnail(Image.open(io.BytesIO(o.data))),
                name=f"{o.role}-{o.index}-thumb.webp",
            )
            if o.thumbnailed
            else ""
        )
    )
    created_at = factory.LazyAttribute(
        lambda o: (
            None if o.minutes_ago is None else timezone.now() - timedelta(minutes=o.minutes_ago)
        )
    )

    @classmethod
    def _create(cls, model_class, *args, created_at, **kwargs):
        asset = super()._create(model_class, *args, **kwargs)
        if created_at is not None:  # auto_now_add: moved with an update
            model_class.objects.filter(pk=asset.pk).update(created_at=created_at)
            asset.created_at = created_at
        return asset


class CollectionFactory(DjangoModelFactory):
    """A collection of `owner` (in `team`'s workspace, or their own); `generations=[…]`
    puts those in it, in that order."""

    class Meta:
        model = Collection
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    team = None
    name = factory.Sequence(lambda n: f"Collection {n}")

    @factory.post_generation
    def generations(collection, create, extracted, **kwargs):
        for generation in extracted or ():
            CollectionItem.objects.create(collection=collection, generation=generation)


# --- jobs saved through the services, as the forms save them ---------------------------------


class MidjourneyJobFactory(factory.Factory):
    """A Midjourney imagine saved by `services.midjourney_create`: budget checked, cost
    booked, status queued, submit task queued on commit. `params` defaults to the prompt."""

    class Meta:
        model = Generation

    user = factory.SubFactory(UserFactory)
    provider_key = factory.SubFactory(ProviderKeyFactory, user=factory.SelfAttribute("..user"))
    prompt = "a lighthouse at dusk"
    params = factory.LazyAttribute(lambda o: {"prompt": o.prompt})

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.midjourney_create(**kwargs)


class FluxJobFactory(factory.Factory):
    """A Flux imagine saved by `services.flux_create` (as `MidjourneyJobFactory`): one
    256×256 PNG unless told otherwise (an `aspect_ratio` replaces the size)."""

    class Meta:
        model = Generation

    user = factory.SubFactory(UserFactory)
    provider_key = factory.SubFactory(ProviderKeyFactory, user=factory.SelfAttribute("..user"))
    prompt = "a lighthouse at dusk"
    n = 1
    output_format = "png"
    aspect_ratio = ""
    width = factory.LazyAttribute(lambda o: None if o.aspect_ratio else 256)
    height = factory.LazyAttribute(lambda o: None if o.aspect_ratio else 256)
    params = factory.Dict({})

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.flux_create(**kwargs)
