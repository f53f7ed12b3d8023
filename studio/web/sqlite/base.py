"""Django's SQLite backend with a write gate: writers queue on a file lock, not in SQLite.

SQLite lets one connection write at a time. A connection that finds the write lock taken
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … 100 ms between tries
(https://www.sqlite.org/c3ref/busy_timeout.html) and is not woken when the lock comes free.
With the web's requests, the worker cluster and the sandbox all writing, writes of a
millisecond waited up to 330 ms, and finished jobs queued for their downloads behind them.

Here a writer first takes an exclusive `flock` on a file beside the database
(`<name>-writer`), trying again every 0.2 ms at first and every 2 ms at most, so it starts
within a couple of milliseconds of the writer before it finishing; SQLite's own lock then
never makes it wait. The gate is held from `BEGIN IMMEDIATE` to the transaction's commit or
rollback (with `transaction_mode` "IMMEDIATE", as the settings set it; a deferred
transaction may only read and is not gated), and around a single INSERT, UPDATE, DELETE or
REPLACE outside a transaction.

A writer that waited the connection's `timeout` (seconds, OPTIONS) for the gate goes on
without it and SQLite decides, as before: a "database is locked" error after the same
timeout again. An in-memory database has no gate (no other process can open it). The
backend's `vendor` is still "sqlite". README "Benchmarks" has the figures.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import weakref

from django.db.backends.sqlite3 import base, creation

# A write on its own: the first six letters of the statement ("REPLAC" for REPLACE).
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
FIRST_PAUSE = 0.0002  # s between two tries for the gate, doubling …
LONGEST_PAUSE = 0.002  # … up to this


class WriteGate:
    """An exclusive `flock` on the file at `path`. Each connection opens the file itself, and
    flock excludes every other open file, so the gate works between the threads of one
    process as between processes. The kernel drops it if the process dies.

    A forked child (gunicorn's and the cluster's workers) gets its own open file for every
    gate it inherits (`_after_fork`): the copy it was given is its parent's, with whatever
    lock the parent holds, which would outlive a killed parent as long as the child runs."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.held = False
        _gates.add(self)

    def reopen(self) -> None:
        """A file of its own, unlocked, in place of the inherited one (closing a copy leaves
        the parent's lock alone)."""
        inherited, self.held = self.fd, False
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # the database's folder is gone: no gate in this process
            self.fd = -1
            _gates.discard(self)
        os.close(inherited)

    def acquire(self, timeout: float) -> bool:
        """Take the gate, waiting up to `timeout` seconds. Returns False when it could not
        (the caller goes on without it)."""
        if self.held:
            return True
        if self.fd < 0:
            return False
        deadline = time.monotonic() + timeout
        pause = FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
            else:
                self.held = True
                return True

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self.fd < 0:
            return
        self.release()
        _gates.discard(self)
        os.close(self.fd)
        self.fd = -1

    def __del__(self) -> None:  # a connection dropped without closing (its thread ended)
        if self.fd >= 0:
            with contextlib.suppress(Exception):
                os.close(self.fd)


_gates: weakref.WeakSet[WriteGate] = weakref.WeakSet()  # the open ones, in this process


def _after_fork() -> None:
    for gate in list(_gates):
        gate.reopen()


os.register_at_fork(after_in_child=_after_fork)


def gate_path(database_name: str) -> str:
    """The gate's file for the database file `database_name`."""
    return f"{database_name}-writer"


class DatabaseCreation(creation.DatabaseCreation):
    """Django's, and a test database's gate file goes with it."""

    def _destroy_test_db(self, test_database_name, verbosity):
        super()._destroy_test_db(test_database_name, verbosity)
        if test_database_name and not self.is_in_memory_db(test_database_name):
            with contextlib.suppress(FileNotFoundError):
                os.remove(gate_path(test_database_name))


class DatabaseWrapper(base.DatabaseWrapper):
    """`django.db.backends.sqlite3` whose writers pass the connection's WriteGate first."""

    creation_class = DatabaseCreation
    gate: WriteGate | None = None
    _cursor_class: type | None = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.gate is None and not self.is_in_memory_db():
            self.gate = WriteGate(gate_path(self.settings_dict["NAME"]))
        return connection

    def create_cursor(self, name=None):
        if self._cursor_class is None:
            self._cursor_class = _gated_cursor_class(self)
        return self.connection.cursor(factory=self._cursor_class)

    def _start_transaction_under_autocommit(self):
        if self.transaction_mode == "IMMEDIATE":
            self.take_gate()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.leave_gate()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self.leave_gate()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self.leave_gate()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.gate is not None:
                self.gate.close()
                self.gate = None

    def take_gate(self) -> None:
        """Wait for the gate (at most the connection's `timeout`, 5 s unless set)."""
        if self.gate is not None:
            self.gate.acquire(float(self.settings_dict["OPTIONS"].get("timeout", 5)))

    def leave_gate(self) -> None:
        if self.gate is not None:
            self.gate.release()

    def gates(self, query: str) -> bool:
        """Whether `query` passes the gate on its own: a write outside a transaction."""
        return (
            self.gate is not None
            and not self.gate.held
            and not self.in_atomic_block
            and self.get_autocommit()
            and query.lstrip()[:6].upper() in WRITES
        )


def _gated_cursor_class(wrapper: DatabaseWrapper) -> type:
    """Django's SQLite cursor whose writes outside a transaction pass `wrapper`'s gate."""

    class GatedCursorWrapper(base.SQLiteCursorWrapper):
        def execute(self, query, params=None):
            if not wrapper.gates(query):
                return super().execute(query, params)
            wrapper.take_gate()
            try:
                return super().execute(query, params)
            finally:
                wrapper.leave_gate()

        def executemany(self, query, param_list):
            if not wrapper.gates(query):
                return super().executemany(query, param_list)
            wrapper.take_gate()
            try:
                return super().executemany(query, param_list)
            finally:
                wrapper.leave_gate()

    return GatedCursorWrapper
