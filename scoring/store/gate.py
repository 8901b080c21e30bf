"""One SQLite library at a time per database file and process.

The ADBC SQLite driver links its own copy of SQLite; Python's ``sqlite3`` module (used by
SQLAlchemy and Alembic) links the system's. SQLite's locks are POSIX advisory locks, which do
not exclude each other within one process, and each copy of the library only tracks its own
connections: with connections of both copies open on one file in one process, one copy can
checkpoint and remove the WAL under the other's feet and corrupt the database (SQLite's
"How To Corrupt" §2.2.1; we saw exactly that). So, per file and process, connections of the two
libraries never overlap: any number of one kind at once, the other kind waits, and a thread
that nests the other kind inside its own use gets an immediate error rather than a deadlock.
SQLAlchemy's pool keeps no idle SQLite connections (NullPool) so "closed" really means closed.

Other processes are unaffected: between processes the locks work as SQLite intends.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_guard = threading.Lock()
_gates: dict[str, _Gate] = {}


class _Gate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._kind: str | None = None
        self._count = 0
        self._holders: dict[int, tuple[str, int]] = {}

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
