"""Reading back what imports did: the batches, their files and the problems of rejected rows.

What :func:`scoring.store.records.apply_batch` wrote, read by key: a batch by its number, its
files by ``(batch_id, position)``, its problems through their ``(batch_id, position)`` index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from scoring.store.schema import import_batches, import_files, rejected_problems


def recent_batches(conn: Connection, *, limit: int) -> list[dict[str, Any]]:
    """The newest batches first."""
    rows = conn.execute(
        select(import_batches).order_by(import_batches.c.batch_id.desc()).limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def get_batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(import_batches).where(import_batches.c.batch_id == batch_id)).first()
    return dict(row._mapping) if row is not None else None


def batch_files(conn: Connection, batch_id: int) -> list[dict[str, Any]]:
    """The files of a batch in the order they were stored."""
    rows = conn.execute(
        select(import_files)
        .where(import_files.c.batch_id == batch_id)
        .order_by(import_files.c.position)
    )
    return [dict(r._mapping) for r in rows]


def batch_file(conn: Connection, batch_id: int, position: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(import_files).where(
            import_files.c.batch_id == batch_id, import_files.c.position == position
        )
    ).first()
    return dict(row._mapping) if row is not None else None


def batch_problems(
    conn: Connection, batch_id: int, *, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The problems of a batch's rejected rows by file and row (file-wide ones first), at most
    ``limit``, and how many there are in all."""
    where = rejected_problems.c.batch_id == batch_id
    total = conn.execute(
        select(func.count()).select_from(rejected_problems).where(where)
    ).scalar_one()
    rows = conn.execute(
        select(rejected_problems)
        .where(where)
        .order_by(
            rejected_problems.c.position,
            rejected_problems.c.row_number.is_not(None),
            rejected_problems.c.row_number,
        )
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows], int(total)
