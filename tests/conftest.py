"""Shared fixtures: people, logged-in clients, and the sandbox served over real HTTP.

Tests that talk to the sandbox use `live_server` and must be
`@pytest.mark.django_db(transaction=True)`: the server thread only sees committed rows.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import User

from tests.factories import ProviderKeyFactory, UserFactory
from tests.s3 import object_storage, s3_endpoint  # noqa: F401 - fixtures (a loopback S3 API)

# Playwright's sync API runs an event loop in the test thread (docs/architecture.md "Pitfalls" §7).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Stored files go to a per-test folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_submit_spacing(settings):
    settings.SUBMIT_SPACING = 0


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters (studio.web.ratelimits) live in a per-process cache that outlives
    each test's database: every test starts from zero."""
    from django.core.cache import caches

    caches[settings.RATELIMIT_USE_CACHE].clear()


@pytest.fixture
def ratelimit_clock(monkeypatch):
    """django-ratelimit's windows held still (tests.support.RateClock): a window cannot end
    between two requests a test expects to be counted together."""
    import django_ratelimit.core

    from tests.support import RateClock

    held = RateClock()
    monkeypatch.setattr(django_ratelimit.core, "time", held)
    return held


@pytest.fixture
def sandbox_url(live_server, settings) -> str:
    """Point sandbox keys at the live server (workers build URLs from settings)."""
    url = f"{live_server.url}/sandbox/imaginepro/api/v1"
    settings.SANDBOX_BASE_URL = url
    settings.SANDBOX_IMAGINELAB_BASE_URL = f"{live_server.url}/sandbox/imaginelab/api/v1"
    return url


@pytest.fixture
def alice(db) -> User:
    """The owner in most tests."""
    return UserFactory(username="alice")


@pytest.fixture
def charlie(db) -> User:
    """A stranger: must never see alice's things."""
    return UserFactory(username="charlie")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def alice_key(alice):
    """Alice's sandbox key (a real sandbox account with starting credits)."""
    return ProviderKeyFactory(user=alice)


# --- Scale-out: the task queue on either broker (the database's, or Redis with REDIS_URL) ---


class TaskQueue:
    """What waits in django-q2's queue, read from whichever broker the settings chose."""

    def __init__(self) -> None:
        from django_q.brokers import get_broker

        self.broker = get_broker()

    def tasks(self) -> list[dict]:
        """The queued tasks, decoded (`func`, `args`, `kwargs`, `name`…), oldest first."""
        from django_q.conf import Conf
        from django_q.models import OrmQ
        from django_q.signing import SignedPackage

        if Conf.ORM:
            return [
                job.task for job in OrmQ.objects.filter(key=self.broker.list_key).order_by("id")
            ]
        raw = self.broker.connection.lrange(self.broker.list_key, 0, -1)
        return [SignedPackage.loads(item) for item in raw]


@pytest.fixture
def task_queue(db) -> TaskQueue:
    """The task queue, empty at the start of the test (Redis, unlike the test database, keeps
    what earlier tests queued)."""
    queue = TaskQueue()
    queue.broker.purge_queue()
    return queue


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """No `_gw0` suffix from pytest-django under pytest-xdist: tests/settings.py already names
    each process's test database, and a qcluster a test starts must find it by that name."""


@pytest.fixture(scope="session", autouse=True)
def _postgres_test_database_can_be_dropped(request):
    """On PostgreSQL, end every other session on the test database before it is dropped.

    Threads of the test process that used the database outside a request (the sandbox's
    webhook timers, a poller's thread pool) keep their connection open, and PostgreSQL
    refuses to drop a database in use ("being accessed by other users"), which would leave
    one test database behind per run.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    request.getfixturevalue("django_db_setup")  # torn down after this fixture
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    from django.db import connection

    with blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def sandbox_clock(settings):
    """The sandbox's clock held still (settings.SANDBOX_CLOCK, studio/sandbox/clock.py): it
    moves only by `sandbox_clock.advance(seconds)`, so a test sees each status and rate
    window whatever the machine's speed. The studio's own clock keeps running."""
    from studio.sandbox.clock import ManualClock

    clock = ManualClock()
    settings.SANDBOX_CLOCK = clock
    return clock
