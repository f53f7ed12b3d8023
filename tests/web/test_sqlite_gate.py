"""The SQLite write gate (studio/web/sqlite/base.py): one writer at a time across processes and
threads, held from a transaction's start to its end or around one write, never by a read."""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.utils import ConnectionHandler

from studio.web.sqlite.base import WriteGate, gate_path

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != settings.SQLITE_ENGINE,
        reason="the gate belongs to the SQLite backend",
    ),
    pytest.mark.django_db(transaction=True),
]


def _gate_path() -> str:
    return gate_path(connection.settings_dict["NAME"])


@contextmanager
def _held_elsewhere():
    """The gate, held as another process's writer would hold it."""
    fd = os.open(_gate_path(), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _is_free() -> bool:
    fd = os.open(_gate_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _in_thread(work) -> tuple[threading.Thread, threading.Event, list]:
    """Run `work` in a thread with a database connection of its own; (thread, its done event,
    what it raised)."""
    done, raised = threading.Event(), []

    def run():
        try:
            work()
        except Exception as exc:  # reported to the test
            raised.append(exc)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, raised


def test_a_transaction_holds_the_gate_from_its_start_to_its_commit():
    User = get_user_model()
    with transaction.atomic():
        assert not _is_free()
        User.objects.create(username="in-a-transaction")
        assert not _is_free()
    assert _is_free()
    assert User.objects.filter(username="in-a-transaction").exists()


def test_a_rolled_back_transaction_leaves_the_gate():
    User = get_user_model()
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.create(username="rolled-back")
        raise RuntimeError("the work failed")
    assert _is_free()
    assert not User.objects.filter(username="rolled-back").exists()


def test_a_writer_waits_at_the_gate_and_writes_once_it_opens():
    User = get_user_model()
    with _held_elsewhere():
        thread, done, raised = _in_thread(lambda: User.objects.create(username="after-the-gate"))
        assert not done.wait(0.3)  # waiting (its timeout is the connection's, 20 s)
        assert not User.objects.filter(username="after-the-gate").exists()
    thread.join(10)
    assert done.is_set() and not raised
    assert User.objects.filter(username="after-the-gate").exists()
    assert _is_free()


def test_a_transaction_waits_for_the_gate_before_it_begins():
    User = get_user_model()

    def work():
        with transaction.atomic():
            User.objects.create(username="second-transaction")

    with transaction.atomic():
        User.objects.create(username="first-transaction")
        thread, done, raised = _in_thread(work)
        assert not done.wait(0.3)
    thread.join(10)
    assert done.is_set() and not raised
    assert set(User.objects.values_list("username", flat=True)) >= {
        "first-transaction",
        "second-transaction",
    }


def test_reads_do_not_wait_for_the_gate():
    User = get_user_model()
    User.objects.create(username="to-read")
    with _held_elsewhere():
        thread, done, raised = _in_thread(lambda: list(User.objects.all()))
        thread.join(10)
        assert done.is_set() and not raised


def test_a_writer_that_waited_its_timeout_goes_on_without_the_gate(tmp_path):
    gate = WriteGate(str(tmp_path / "db.sqlite3-writer"))
    other = os.open(tmp_path / "db.sqlite3-writer", os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        assert gate.acquire(0.05) is False
        assert not gate.held
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    assert gate.acquire(1) is True and gate.held
    gate.close()


def test_an_in_memory_database_has_no_gate():
    in_memory = {
        "ENGINE": settings.SQLITE_ENGINE,
        "NAME": ":memory:",
        "OPTIONS": {"transaction_mode": "IMMEDIATE"},
    }
    memory = ConnectionHandler({"default": in_memory})["default"]
    with memory.cursor() as cursor:
        cursor.execute("CREATE TABLE probe (x)")
        cursor.execute("INSERT INTO probe VALUES (1)")
        cursor.execute("SELECT count(*) FROM probe")
        assert cursor.fetchone() == (1,)
    assert memory.gate is None
    memory.close()


def test_a_test_database_takes_its_gate_file_with_it(tmp_path):
    name = str(tmp_path / "test-gone.sqlite3")
    on_file = {"ENGINE": settings.SQLITE_ENGINE, "NAME": name, "OPTIONS": {}}
    wrapper = ConnectionHandler({"default": on_file})["default"]
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE probe (x)")
        cursor.execute("INSERT INTO probe VALUES (1)")
    wrapper.close()
    assert os.path.exists(gate_path(name))
    wrapper.creation._destroy_test_db(name, verbosity=0)
    assert not os.path.exists(name)
    assert not os.path.exists(gate_path(name))


def test_a_forked_child_does_not_keep_its_parents_gate(tmp_path):
    """The child runs on after its parent, which held the gate, is gone: the gate is free."""
    path = str(tmp_path / "db.sqlite3-writer")
    ready_read, ready_write = os.pipe()
    done_read, done_write = os.pipe()
    parent = os.fork()
    if parent == 0:  # the child's parent: holds the gate, forks, exits without leaving it
        try:
            held = WriteGate(path)
            held.acquire(1)
            if os.fork() == 0:  # the child, running on until the test is done
                os.close(done_write)
                os.write(ready_write, b"x")
                os.read(done_read, 1)
                os._exit(0)
            os.read(ready_read, 1)  # the child is past its fork
        finally:
            os._exit(0)
    os.close(done_read)
    try:
        os.waitpid(parent, 0)
        gate = WriteGate(path)
        assert gate.acquire(0) is True
        gate.close()
    finally:
        os.close(done_write)  # the child ends
