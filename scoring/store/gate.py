"""One SQLite library at a time per database file and process.

The ADBC SQLite driver links its own copy of SQLite; Python's ``sqlite3`` module (used by
SQLAlchemy and Alembic) links the system's. SQLite's locks are POSIX advisory locks, which do
not exclude each other within one process, and each copy of the library only tracks its own
connections: with connections of both copies open on one file in one process, one copy can
checkpoint and remove the WAL under the other's feet and corrupt the database (SQLite's
"How To Corrupt" §2.2.1; we saw exactly that). So, per file and process, connections of the two
libraries never overlap: any number of one kind at once, the other kind waits, and a thread
that nests the other kind inside its own use gets an immediate error rather than a deadlock.
SQLAlchemy's pool keeps a few idle ``sqlite3`` connections between requests (opening one per
read cost more than the read), so before the first ADBC connection of a turn opens, the gate
closes every idle pooled connection of the file in this process (:meth:`_Gate.track`): while
ADBC holds the gate, no ``sqlite3`` connection of the file is open in the process, idle or not.

Other processes are unaffected: between processes the locks work as SQLite intends.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from typing import Any

_guard = threading.Lock()
_gates: dict[str, _Gate] = {}


class _Gate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._kind: str | None = None
        self._count = 0
        self._holders: dict[int, tuple[str, int]] = {}
        #: Engines of this file whose pools keep idle sqlite3 connections (see track).
        self._engines: weakref.WeakSet[Any] = weakref.WeakSet()

    def track(self, engine: Any) -> None:
        """Close ``engine``'s idle pooled connections whenever ADBC takes the gate."""
        with self._cond:
            self._engines.add(engine)

    def close_idle(self) -> None:
        """Close the idle pooled connections of every tracked engine (none is checked out
        while the caller holds the gate of the other kind, or of a raw connection)."""
        for engine in list(self._engines):
            engine.pool.dispose()

    @contextlib.contextmanager
    def hold(self, kind: str) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            held = self._holders.get(me)
            if held is not None and held[0] != kind:
                raise RuntimeError(
                    f"SQLite {kind} connection opened inside a {held[0]} connection of the same "
                    "thread: the two SQLite libraries must not overlap on one file"
                )
            while self._kind is not None and self._kind != kind:
                self._cond.wait()
            if self._kind is None and kind == "adbc":
                # Under the condition's lock: no connection of either kind opens meanwhile.
                self.close_idle()
            self._kind = kind
            self._count += 1
            self._holders[me] = (kind, (held[1] if held else 0) + 1)
        try:
            yield
        finally:
            with self._cond:
                kind_held, depth = self._holders[me]
                if depth == 1:
                    del self._holders[me]
                else:
                    self._holders[me] = (kind_held, depth - 1)
                self._count -= 1
                if self._count == 0:
                    self._kind = None
                    self._cond.notify_all()


def gate_for(path: str) -> _Gate:
    with _guard:
        gate = _gates.get(path)
        if gate is None:
            gate = _gates[path] = _Gate()
        return gate
