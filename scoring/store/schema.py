"""The store's tables: SQLAlchemy Core metadata, the current shape of the schema.

Alembic migrations in ``migrations/versions`` build this shape step by step; a test checks that
upgrading an empty store to head gives exactly these tables.

Conventions (docs/ARCHITECTURE.md): timestamps are BIGINT microseconds since the Unix epoch in
UTC, so that SQLite and PostgreSQL hold them exactly and bulk reads need no parsing; money is
BIGINT fen; dates are ISO text; unknown input columns are a JSON object in ``extra``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)

from scoring.entities import ENTITIES, Entity, Kind

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_SQL_TYPES: dict[Kind, Any] = {
    Kind.STRING: Text,
    Kind.ENUM: String(40),
    Kind.SHARES: Text,
    Kind.MONEY: BigInteger,
    Kind.DATE: String(10),
    Kind.TIMESTAMP: BigInteger,
    Kind.SCORE: SmallInteger,
    Kind.BOOL: Boolean,
    Kind.INT: BigInteger,
}

#: Bookkeeping columns every entity table has besides its fields and ``extra``.
BOOKKEEPING = ("batch_id", "changed_at")


def _entity_table(entity: Entity) -> Table:
    columns: list[Column[Any]] = []
    for position, f in enumerate(entity.fields):
        sql_type = String(200) if position == 0 else _SQL_TYPES[f.kind]
        columns.append(
            Column(f.column, sql_type, primary_key=position == 0, nullable=not f.required)
        )
    columns.append(Column("extra", Text, nullable=True))
    columns.append(Column("batch_id", Integer, nullable=False))
    columns.append(Column("changed_at", BigInteger, nullable=False))
    table = Table(entity.name, metadata, *columns)
    for f in entity.fields[1:]:
        if f.references and f.kind is not Kind.SHARES:
            Index(f"ix_{entity.name}_{f.name}", table.c[f.column])
    return table


import_batches = Table(
    "import_batches",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("files", Integer, nullable=False),
    Column("accepted", BigInteger, nullable=False),
    Column("replaced", BigInteger, nullable=False),
    Column("unchanged", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
)

import_files = Table(
    "import_files",
    metadata,
    Column("batch_id", Integer, ForeignKey("import_batches.batch_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("path", Text, nullable=False),
    Column("entity", String(40), nullable=False),
    Column("sheet", Text, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("accepted", BigInteger, nullable=False),
    Column("replaced", BigInteger, nullable=False),
    Column("unchanged", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
    Column("rejects_path", Text, nullable=True),
    PrimaryKeyConstraint("batch_id", "position"),
)

#: Every problem of a rejected row, where HR can list it again after the command has ended.
rejected_problems = Table(
    "rejected_problems",
    metadata,
    Column("batch_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("row_number", BigInteger, nullable=True),
    Column("sheet", Text, nullable=True),
    Column("column_name", Text, nullable=True),
    Column("value", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Index("ix_rejected_problems_batch_id_position", "batch_id", "position"),
)

#: The rejected rows themselves, as the user wrote them (JSON of header -> text).
rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("batch_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("row_number", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("batch_id", "position", "row_number"),
)

#: Earlier versions of replaced records: what the record was, which import wrote that version,
#: and which import replaced it when.
record_history = Table(
    "record_history",
    metadata,
    Column("entity", String(40), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("data", Text, nullable=False),
    Column("batch_id", Integer, nullable=False),
    Column("replaced_by_batch_id", Integer, nullable=False),
    Column("replaced_at", BigInteger, nullable=False),
    Index("ix_record_history_entity_record_id", "entity", "record_id"),
)

job_installers = Table(
    "job_installers",
    metadata,
    Column("job_id", String(200), nullable=False),
    Column("installer_id", String(200), nullable=False),
    Column("share_num", BigInteger, nullable=False),
    Column("share_den", BigInteger, nullable=False),
    PrimaryKeyConstraint("job_id", "installer_id"),
    Index("ix_job_installers_installer_id", "installer_id"),
)

#: Named locks taken by updating their row inside a write transaction: in SQLite the update takes
#: the database's write lock, in PostgreSQL a row lock, so writers of one kind queue up.
store_locks = Table(
    "store_locks",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("held_at", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_audit_log_at", "at"),
)

ENTITY_TABLES: dict[str, Table] = {e.name: _entity_table(e) for e in ENTITIES}
LOCK_NAMES = ("import", "period")

__all__ = [
    "BOOKKEEPING",
    "ENTITY_TABLES",
    "LOCK_NAMES",
    "audit_log",
    "import_batches",
    "import_files",
    "job_installers",
    "metadata",
    "record_history",
    "rejected_problems",
    "rejected_rows",
    "store_locks",
]
