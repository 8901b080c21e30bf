"""The store: migrations, locks, bulk reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import polars as pl
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scoring.store import Store, open_store
from scoring.store.schema import metadata


def test_migrations_build_exactly_the_schema(store: Store) -> None:
    assert store.schema_is_current()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_opening_twice_is_idempotent(store: Store) -> None:
    with open_store(store.url) as again:
        locks = again.read_frame("SELECT name FROM store_locks ORDER BY name")
    assert locks.get_column("name").to_list() == ["import", "period"]


def test_bulk_read_gives_typed_columns(store: Store) -> None:
    frame = store.read_frame("SELECT name, held_at FROM store_locks ORDER BY name")
    assert frame.schema == pl.Schema({"name": pl.String, "held_at": pl.Int64})
