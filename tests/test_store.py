"""The store: migrations, locks, bulk reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from scoring.store import Store, db, open_store
from scoring.store.db import READ_CACHE_KIB, WRITE_CACHE_KIB, schema_head
from scoring.store.schema import metadata


def test_migrations_build_exactly_the_schema(store: Store) -> None:
    assert store.schema_is_current()
    with store.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_opening_twice_is_idempotent(store: Store) -> None:
    with open_store(store.url) as again:
        locks = again.read_frame("SELECT name FROM store_locks ORDER BY name")
    assert locks.get_column("name").to_list() == ["import", "period"]


def test_the_head_from_file_names_is_alembics_head() -> None:
    assert schema_head() == ScriptDirectory.from_config(db.alembic_config()).get_current_head()


def test_a_current_store_opens_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_store(url).close()
    probe = (
        "import sys; from scoring.store import open_store; "
        f"open_store({url!r}).close(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_an_older_store_is_brought_to_the_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url, migrate=False) as store, store.begin() as conn:
        config = db.alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
    with open_store(url, migrate=False) as store:
        assert store.revision() == "0009"
        assert not store.schema_is_current()
    with open_store(url) as store:
        assert store.revision() == schema_head()
        with store.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == schema_head()


def test_bulk_read_gives_typed_columns(store: Store) -> None:
    frame = store.read_frame("SELECT name, held_at FROM store_locks ORDER BY name")
    assert frame.schema == pl.Schema({"name": pl.String, "held_at": pl.Int64})


def test_sqlite_libraries_never_overlap_in_one_thread(tmp_path: Path) -> None:
    """ADBC's SQLite and Python's sqlite3 are two libraries: overlapping them corrupts a file."""
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.begin():
        with pytest.raises(RuntimeError, match="must not overlap"):
            store.read_frame("SELECT 1 AS one")


def test_alternating_libraries_keep_the_file_sound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store:
        for i in range(20):
            with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
                cur.execute(f"INSERT INTO audit_log (at, actor, action) VALUES ({i}, 'a', 'x')")
                conn.commit()
            with store.begin() as conn:
                conn.execute(
                    text(f"INSERT INTO audit_log (at, actor, action) VALUES ({i}, 'b', 'y')")
                )
            assert store.read_frame("SELECT COUNT(*) AS n FROM audit_log").item() == 2 * (i + 1)
    with sqlite3.connect(tmp_path / "s.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_threads_of_both_libraries_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    errors: list[BaseException] = []
    with open_store(url) as store:

        def adbc_writer() -> None:
            try:
                for i in range(30):
                    with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
                        cur.execute(
                            f"INSERT INTO audit_log (at, actor, action) VALUES ({i}, 'a', 'x')"
                        )
                        conn.commit()
            except BaseException as exc:  # pragma: no cover - asserted below
                errors.append(exc)

        def sqlalchemy_writer() -> None:
            try:
                for i in range(30):
                    with store.begin() as conn:
                        conn.execute(
                            text(
                                f"INSERT INTO audit_log (at, actor, action) VALUES ({i}, 'b', 'y')"
                            )
                        )
            except BaseException as exc:  # pragma: no cover - asserted below
                errors.append(exc)

        threads = [threading.Thread(target=f) for f in (adbc_writer, sqlalchemy_writer) * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert store.read_frame("SELECT COUNT(*) AS n FROM audit_log").item() == 120
    with sqlite3.connect(tmp_path / "s.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_bulk_reads_keep_a_small_page_cache_and_writes_a_large_one(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'cache.db'}") as store:
        read = store.read_frame("PRAGMA cache_size").item()
        with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
            cur.execute("PRAGMA cache_size")
            written = cur.fetchone()[0]
    assert (read, written) == (-READ_CACHE_KIB, -WRITE_CACHE_KIB)
    assert READ_CACHE_KIB < WRITE_CACHE_KIB


def test_every_sqlite3_connection_keeps_a_small_page_cache(tmp_path: Path) -> None:
    """The pooled ones and those opened beyond the pool when more requests read at once (the
    memory of their caches stays with the process after they close)."""
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, contextlib.ExitStack() as held:
        opened = [held.enter_context(store.connect()) for _ in range(db.SQLITE_POOL_SIZE + 2)]
        sizes = {conn.exec_driver_sql("PRAGMA cache_size").scalar() for conn in opened}
        assert store.engine.pool.overflow() == 2  # type: ignore[attr-defined]
    assert sizes == {-db.SQLITE_CACHE_KIB}
    assert db.SQLITE_CACHE_KIB < READ_CACHE_KIB


def test_idle_pooled_connections_are_closed_before_adbc_opens_the_file(tmp_path: Path) -> None:
    """Reads keep a few sqlite3 connections idle for the next request; none of them, of any
    store of the file in this process, may stay open while an ADBC connection is."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as one, open_store(url) as two:
        for store in (one, two):
            with store.begin() as conn:
                conn.execute(text("SELECT 1"))
            assert store.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
        with one.adbc() as conn:
            assert one.engine.pool.checkedin() == 0  # type: ignore[attr-defined]
            assert two.engine.pool.checkedin() == 0  # type: ignore[attr-defined]
            conn.rollback()
        with two.begin() as conn:  # and the pool opens connections again after
            assert conn.execute(text("SELECT 2")).scalar() == 2
        assert two.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]


def test_a_pooled_connection_is_reused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store:
        seen = set()
        for _ in range(5):
            with store.begin() as conn:
                seen.add(id(conn.connection.dbapi_connection))
        assert len(seen) == 1
        with sqlite3.connect(tmp_path / "s.db") as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
