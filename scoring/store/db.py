"""Opening a store: SQLAlchemy for the schema and small statements, ADBC for bulk frames.

Two kinds of store behave the same way: an embedded SQLite file (the default, zero set-up) and
PostgreSQL for a shared deployment. The CLI, the web service and the scheduler may use one store
at the same time, so SQLite runs in WAL mode (readers never block the writer) with a busy
timeout, and writers of one kind serialise on a named lock row (``store_locks``).

Bulk reads and writes go through ADBC, which moves Arrow columns without Python objects per row:
measured here, 1.5M rows from SQLite take about 1 s through ADBC against 5.7 s through
SQLAlchemy row fetching.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from scoring.errors import StoreError
from scoring.store.gate import gate_for
from scoring.store.schema import store_locks

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 60_000
#: SQLite's page cache per ADBC connection, in KiB: large for imports, which write tables
#: and their indexes; small for bulk reads, which scan each table once (a large cache only
#: kept pages nobody read again: 256 MiB per connection, three tables loading at once).
WRITE_CACHE_KIB = 262_144
READ_CACHE_KIB = 8_192
#: Idle sqlite3 connections a store keeps for the next request (more may be open at once;
#: those beyond are closed when given back). Opening one (with its pragmas) cost a read on
#: the national month more than the read's own queries.
SQLITE_POOL_SIZE = 8
#: SQLite's page cache per sqlite3 (SQLAlchemy) connection, in KiB, against SQLite's default of
#: 2,000 KiB: these connections read a statement or write a few rows. A server opens one per
#: request answered at once (up to its 40 threads), and the memory of the caches of those
#: beyond the pool stays with the process after they close: a burst of 40 reads left a worker
#: 75 MiB larger with the default, 25 MiB with this, each read as fast (benchmarks/README.md).
SQLITE_CACHE_KIB = 512
_MIGRATIONS = Path(__file__).with_name("migrations")
#: A migration file's name: its four-digit revision first (``0010_net_fen_indexes.py``).
_MIGRATION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


class StoreBusy(StoreError):
    """Another writer held the store for longer than the busy timeout."""


#: Words by which SQLite and PostgreSQL say that a lock could not be had in time.
_BUSY_WORDS = (
    "database is locked",
    "database table is locked",
    "lock timeout",
    "could not obtain lock",
)


def as_busy(exc: BaseException) -> StoreBusy | None:
    """A clear user error for a store kept busy by another writer (else None): one message
    for SQLAlchemy's and ADBC's errors alike, never the driver's text."""
    text = str(exc).lower()
    if any(word in text for word in _BUSY_WORDS):
        return StoreBusy(
            "数据库正忙(另一项导入或关账正在写入),请稍后重试 / the store is busy: another "
            "import or close is writing; try again in a minute"
        )
    return None


def schema_head() -> str:
    """The newest migration's revision, from the migration files' names (a test checks it
    against alembic's own head, so a revision named otherwise cannot slip through)."""
    found = [
        match.group(1)
        for path in (_MIGRATIONS / "versions").iterdir()
        if (match := _MIGRATION_FILE.match(path.name))
    ]
    return max(found)


def now_us() -> int:
    """Now as microseconds since the Unix epoch (the store's timestamp unit)."""
    return time.time_ns() // 1000


def alembic_config() -> Config:
    """Alembic's configuration of this store's migrations (alembic is imported only here)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


@dataclass
class Store:
    """A handle on one store. Cheap to create; opens connections on demand."""

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def close(self) -> None:
        """Close every pooled connection (the store stays usable; connections reopen)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent; safe with several processes).

        A store already at the newest revision is seen from its version table, without
        loading alembic and its migration scripts (a quarter of a second on every command).
        """
        if self.schema_is_current():
            return
        from alembic import command

        with self.begin() as conn:
            if self.dialect == "postgresql":
                # One migrator at a time across processes; released at commit.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The schema revision the store is at; None for a new (or not yet migrated) store."""
        with self.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            found = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        return str(found[0][0]) if len(found) == 1 else None

    def schema_is_current(self) -> bool:
        return self.revision() == schema_head()

    # -- connections ------------------------------------------------------------------------

    def _gate(self, kind: str) -> contextlib.AbstractContextManager[None]:
        """See scoring/store/gate.py: SQLite's two libraries never overlap in one process."""
        if not self.is_sqlite:
            return contextlib.nullcontext()
        return gate_for(self.engine.url.database or ":memory:").hold(kind)

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A SQLAlchemy connection (no transaction begun yet)."""
        with self._gate("sqlalchemy"), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A SQLAlchemy transaction: committed on success, rolled back on any error."""
        with self._gate("sqlalchemy"), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction in which every query sees one state of the store.

        Python's sqlite3 begins a transaction only before a write, so two SELECTs of a plain
        ``begin()`` may see two states (a draft replaced in between): here the transaction is
        begun explicitly. PostgreSQL reads at REPEATABLE READ for the same reason.
        """
        with self._gate("sqlalchemy"), self.engine.connect() as conn:
            if self.is_sqlite:
                auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                auto.exec_driver_sql("BEGIN")
                try:
                    yield auto
                finally:
                    auto.exec_driver_sql("ROLLBACK")
            else:
                read = conn.execution_options(isolation_level="REPEATABLE READ")
                with read.begin() as tx:
                    yield read
                    tx.rollback()

    @contextlib.contextmanager
    def adbc(self, *, cache_kib: int = WRITE_CACHE_KIB) -> Iterator[Any]:
        """An ADBC DB-API connection in a transaction; the caller commits. ``cache_kib``:
        SQLite's page cache of the connection."""
        with self._gate("adbc"):
            yield from self._adbc(cache_kib)

    def _adbc(self, cache_kib: int) -> Iterator[Any]:
        conn = _adbc_connect(self.url)
        try:
            if self.is_sqlite:
                with contextlib.closing(conn.cursor()) as cur:
                    # Per connection, and allowed inside the transaction ADBC has begun.
                    for pragma in (f"busy_timeout={BUSY_TIMEOUT_MS}", f"cache_size=-{cache_kib}"):
                        cur.execute(f"PRAGMA {pragma}")
                        cur.fetchall()
            yield conn
        except BaseException:
            with contextlib.suppress(Exception):
                conn.rollback()
            raise
        finally:
            conn.close()

    def read_frame(self, sql: str) -> pl.DataFrame:
        """Run one query and return its result as a polars frame, through ADBC."""
        with (
            self.adbc(cache_kib=READ_CACHE_KIB) as conn,
            contextlib.closing(conn.cursor()) as cur,
        ):
            if self.is_sqlite:
                # The driver's default is 1,024 rows a batch: a frame of thousands of chunks,
                # which every later query pays for (the national month's jobs: 2,930 chunks).
                cur.adbc_statement.set_options(**{SQLITE_BATCH_ROWS: str(READ_BATCH_ROWS)})
            cur.execute(sql)
            table: pa.Table = cur.fetch_arrow_table()
            conn.rollback()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame.rechunk()


SQLITE_BATCH_ROWS = "adbc.sqlite.query.batch_rows"
#: Rows per Arrow batch when reading from SQLite: a whole table of the national month comes
#: as one chunk, so no second copy is made to join chunks (the frame is rechunked if not).
READ_BATCH_ROWS = 4_194_304


def take_lock(cursor: Any, name: str) -> None:
    """Take the named writer lock inside the cursor's transaction (see ``store_locks``)."""
    cursor.execute(f"UPDATE store_locks SET held_at = {now_us()} WHERE name = '{name}'")


def take_lock_sa(conn: Connection, name: str) -> None:
    """The same lock, inside a SQLAlchemy transaction."""
    conn.execute(update(store_locks).where(store_locks.c.name == name).values(held_at=now_us()))


def _adbc_connect(url: str) -> Any:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        return sqlite_dbapi.connect(parsed.database or ":memory:")
    if parsed.get_backend_name() == "postgresql":
        import adbc_driver_postgresql.dbapi as pg_dbapi

        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return pg_dbapi.connect(plain)
    raise StoreError(f"不支持的数据库 / unsupported store: {parsed.get_backend_name()}")


#: The SQLite files (by path and inode) of this process already switched to WAL: the journal
#: mode is kept in the file, so it is set once per file, not on every new connection.
_WAL_FILES: set[tuple[str, int]] = set()
_WAL_LOCK = threading.Lock()


def _sqlite_pragmas(path: str) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        try:
            key = (path, os.stat(path).st_ino)
        except OSError:  # in memory, or not created yet: set it, it costs one statement
            key = None
        with _WAL_LOCK:
            done = key is not None and key in _WAL_FILES
        if not done:
            cursor.execute("PRAGMA journal_mode=WAL")
            if key is not None:
                with _WAL_LOCK:
                    _WAL_FILES.add(key)
        cursor.close()

    return on_connect


def forget_journal_mode(path: str) -> None:
    """Set WAL again on the next connection to ``path`` (its content was replaced)."""
    with _WAL_LOCK:
        _WAL_FILES.difference_update({k for k in _WAL_FILES if k[0] == path})


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and by default create or upgrade) the store at ``url``."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"数据库地址无效 / invalid store URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        folder = Path(parsed.database).parent
        if not folder.exists():
            raise StoreError(f"数据库目录不存在 / folder of the store does not exist: {folder}")
    if parsed.get_backend_name() == "sqlite":
        # A few idle connections are kept; the gate closes them before ADBC opens the file
        # (see gate.py for why a closed one must really be closed then).
        engine = create_engine(
            url, poolclass=QueuePool, pool_size=SQLITE_POOL_SIZE, max_overflow=-1
        )
        path = parsed.database or ":memory:"
        event.listen(engine, "connect", _sqlite_pragmas(path))
        gate_for(path).track(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    store = Store(url=url, engine=engine)
    if migrate:
        try:
            store.migrate()
        except Exception as exc:
            store.close()
            raise StoreError(f"无法打开数据库 / cannot open the store {_safe(url)}: {exc}") from exc
    return store


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
