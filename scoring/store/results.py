"""Computed results in the store: the frozen result of a closed period and the materialised
draft of an open one, in tables of the same shape, read per installer, per dealer or whole.

Reads of one installer or one dealer are indexed queries, so their cost does not grow with the
month: ``period_lines``/``draft_lines`` by (period, installer_id), the statements by
(period, installer_id) and (period, dealer_id), ``ranking_rows`` by (period, status, dealer_id)
and (period, status, team_id).
The totals of a result are summed once when it is written and kept with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
from sqlalchemy import Connection, Table, bindparam, func, select

from scoring.result import LINES_SCHEMA, STATEMENT_MONEY_COLUMNS, STATEMENTS_SCHEMA
from scoring.store.db import READ_BATCH_ROWS, READ_CACHE_KIB, SQLITE_BATCH_ROWS, Store
from scoring.store.records import ingest_frame
from scoring.store.schema import (
    draft_lines,
    draft_statements,
    frozen_line_blocks,
    period_lines,
    period_statements,
    ranking_rows,
)

Status = Literal["closed", "draft"]
CLOSED: Status = "closed"
DRAFT: Status = "draft"
#: Lines written per statement: bounds the Arrow copy a write makes (national month: 2.35M).
WRITE_CHUNK_ROWS = 400_000
#: Lines per block of ``frozen_line_blocks`` (one Parquet row group): about 12 MB compressed
#: on the national month, read and decoded on several threads at once.
BLOCK_LINES = 250_000
#: How the blocks are compressed: LZ4 decodes faster than zstd (0.50 s against 0.64 s for the
#: national month's 2.35M lines on two cores) for a larger block (115 MB against 68 MB).
BLOCK_COMPRESSION: Literal["lz4"] = "lz4"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tables:
    lines: Table
    statements: Table


TABLES: dict[Status, Tables] = {
    CLOSED: Tables(period_lines, period_statements),
    DRAFT: Tables(draft_lines, draft_statements),
}


def totals_of(statements: pl.DataFrame) -> dict[str, int]:
    """The number of statements and each money column summed, in fen."""
    found = {"installers": statements.height}
    for name in STATEMENT_MONEY_COLUMNS:
        found[name] = int(statements.get_column(name).sum() or 0) if statements.height else 0
    return found


def write_result(
    cur: Any,
    status: Status,
    period: str,
    lines: pl.DataFrame,
    statements: pl.DataFrame,
    ranking: pl.DataFrame,
) -> dict[str, int]:
    """Write a result's rows inside the cursor's transaction; returns its totals."""
    tables = TABLES[status]
    for start in range(0, lines.height, WRITE_CHUNK_ROWS):
        chunk = (
            lines.slice(start, WRITE_CHUNK_ROWS)
            .select(list(LINES_SCHEMA))
            .with_row_index("line_no", offset=start)
            .select(
                "period",
                pl.col("line_no").cast(pl.Int64),
                *[c for c in LINES_SCHEMA if c != "period"],
            )
        )
        ingest_frame(cur, tables.lines.name, chunk)
        del chunk
    if status == CLOSED:
        _write_blocks(cur, period, lines)
    chosen = statements.select(list(STATEMENTS_SCHEMA))
    if chosen.height:
        ingest_frame(cur, tables.statements.name, chosen)
    if ranking.height:
        ingest_frame(cur, ranking_rows.name, ranking_frame(period, status, ranking))
    return totals_of(chosen)


def block_bytes(lines: pl.DataFrame) -> bytes:
    """Lines (the columns of ``LINES_SCHEMA``) as one compressed Parquet block."""
    out = io.BytesIO()
    lines.select(list(LINES_SCHEMA)).write_parquet(
        out, compression=BLOCK_COMPRESSION, statistics=False, row_group_size=BLOCK_LINES
    )
    return out.getvalue()


def _write_blocks(cur: Any, period: str, lines: pl.DataFrame) -> None:
    """The frozen lines as blocks of :data:`BLOCK_LINES`, one block in memory at a time."""
    for block_no, first in enumerate(range(0, lines.height, BLOCK_LINES)):
        part = lines.slice(first, BLOCK_LINES)
        data = block_bytes(part)
        row = pl.DataFrame(
            {
                "period": [period],
                "block_no": [block_no],
                "first_line": [first],
                "line_count": [part.height],
                "sha256": [hashlib.sha256(data).hexdigest()],
                "data": [data],
            },
            schema={
                "period": pl.String,
                "block_no": pl.Int32,
                "first_line": pl.Int64,
                "line_count": pl.Int64,
                "sha256": pl.String,
                "data": pl.Binary,
            },
        )
        ingest_frame(cur, frozen_line_blocks.name, row)
        del data, row


def ranking_frame(period: str, status: Status, ranking: pl.DataFrame) -> pl.DataFrame:
    """The ranking as stored: a row per team with its whole row as JSON."""
    data = [json.dumps(row, ensure_ascii=False, default=str) for row in ranking.to_dicts()]
    return pl.DataFrame(
        {
            "period": [period] * ranking.height,
            "status": [status] * ranking.height,
            "position": list(range(ranking.height)),
            "dealer_id": ranking.get_column("dealer_id").cast(pl.String)
            if "dealer_id" in ranking.columns
            else [None] * ranking.height,
            "team_id": ranking.get_column("team_id").cast(pl.String)
            if "team_id" in ranking.columns
            else [None] * ranking.height,
            "data": data,
        },
        schema={
            "period": pl.String,
            "status": pl.String,
            "position": pl.Int32,
            "dealer_id": pl.String,
            "team_id": pl.String,
            "data": pl.String,
        },
    )


def delete_result(cur: Any, status: Status, period_literal: str) -> None:
    """Remove a result's rows (a draft about to be replaced)."""
    tables = TABLES[status]
    p = period_literal
    for table in (tables.lines.name, tables.statements.name):
        cur.execute(f"DELETE FROM {table} WHERE period = '{p}'")
    cur.execute(f"DELETE FROM ranking_rows WHERE period = '{p}' AND status = '{status}'")


# -- reads -----------------------------------------------------------------------------------


def _of_installer(table: Table) -> Any:
    return select(table).where(
        table.c.period == bindparam("period"), table.c.installer_id == bindparam("installer_id")
    )


#: Built once: the read of one installer's statement runs them on every request.
_STATEMENT_ROW = {status: _of_installer(t.statements) for status, t in TABLES.items()}
# No ORDER BY in SQL: SQLite would then walk the (period, line_no) primary key through the
# whole month to avoid a sort (476 ms a read on the national month) instead of seeking the
# (period, installer_id) index; an installer's few lines are sorted in Python.
_INSTALLER_LINES = {status: _of_installer(t.lines) for status, t in TABLES.items()}


def statement_row(
    conn: Connection, status: Status, period: str, installer_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        _STATEMENT_ROW[status], {"period": period, "installer_id": installer_id}
    ).first()
    return dict(row._mapping) if row is not None else None


def installer_lines(
    conn: Connection, status: Status, period: str, installer_id: str
) -> list[dict[str, Any]]:
    rows = conn.execute(_INSTALLER_LINES[status], {"period": period, "installer_id": installer_id})
    return sorted((dict(r._mapping) for r in rows), key=lambda row: int(row["line_no"]))


@dataclass(frozen=True)
class Scope:
    """A list narrowed to rows whose ``column`` is one of ``values``."""

    column: str
    values: Sequence[str]


def list_statements(
    conn: Connection,
    status: Status,
    period: str,
    *,
    scope: Scope | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of statements by installer id, and how many there are in all."""
    table = TABLES[status].statements
    where = [table.c.period == period]
    if scope is not None:
        where.append(table.c[scope.column].in_(list(scope.values)))
    total = conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    rows = conn.execute(
        select(table).where(*where).order_by(table.c.installer_id).offset(offset).limit(limit)
    )
    return [dict(r._mapping) for r in rows], int(total)


def scoped_totals(conn: Connection, status: Status, period: str, scope: Scope) -> dict[str, int]:
    """The totals of the statements in a scope (one dealer's: an indexed range)."""
    table = TABLES[status].statements
    row = conn.execute(
        select(
            func.count(), *[func.coalesce(func.sum(table.c[m]), 0) for m in STATEMENT_MONEY_COLUMNS]
        ).where(table.c.period == period, table.c[scope.column].in_(list(scope.values)))
    ).one()
    found = {"installers": int(row[0])}
    found.update({m: int(v) for m, v in zip(STATEMENT_MONEY_COLUMNS, row[1:], strict=True)})
    return found


def ranking(
    conn: Connection,
    status: Status,
    period: str,
    *,
    dealer_ids: Sequence[str] | None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Ranking rows in order (of ``dealer_ids`` only when given), and how many in all."""
    t = ranking_rows
    where = [t.c.period == period, t.c.status == status]
    if dealer_ids is not None:
        where.append(t.c.dealer_id.in_(list(dealer_ids)))
    total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
    query = select(t.c.data).where(*where).order_by(t.c.position).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [json.loads(r.data) for r in conn.execute(query)], int(total)


def ranking_dealers(conn: Connection, status: Status, period: str) -> list[str]:
    """The dealers with teams in a result's ranking, by id (read from the dealer index)."""
    t = ranking_rows
    rows = conn.execute(
        select(t.c.dealer_id)
        .where(t.c.period == period, t.c.status == status, t.c.dealer_id.is_not(None))
        .distinct()
        .order_by(t.c.dealer_id)
    )
    return [str(r.dealer_id) for r in rows]


def ranking_team(
    conn: Connection, status: Status, period: str, team_id: str
) -> dict[str, Any] | None:
    """One team's ranking row of a result (the team index), or None."""
    t = ranking_rows
    row = conn.execute(
        select(t.c.data).where(t.c.period == period, t.c.status == status, t.c.team_id == team_id)
    ).first()
    return json.loads(row.data) if row is not None else None


def team_statements(
    conn: Connection, status: Status, period: str, dealer_id: str, team_id: str
) -> list[dict[str, Any]]:
    """The statements of one team's installers (a range of the dealer index), by installer."""
    table = TABLES[status].statements
    rows = conn.execute(
        select(table).where(
            table.c.period == period, table.c.dealer_id == dealer_id, table.c.team_id == team_id
        )
    )
    return sorted((dict(r._mapping) for r in rows), key=lambda row: str(row["installer_id"]))


@contextlib.contextmanager
def _reader(store: Store) -> Iterator[Any]:
    with store.adbc(cache_kib=READ_CACHE_KIB) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


#: Connections that read a closed period's lines at once, each a range of line numbers: the
#: SQLite driver converts rows to Arrow without holding the GIL, so the national month's 2.35M
#: lines read in about half the time on two cores.
LINE_READERS = 2


def _fetch(cur: Any, sql: str) -> pl.DataFrame:
    cur.execute(sql)
    found = pl.from_arrow(cur.fetch_arrow_table())
    assert isinstance(found, pl.DataFrame)
    return found.rechunk()


def _one_batch(store: Store, cur: Any) -> None:
    if store.is_sqlite:
        # The driver's default, 1,024 rows a batch, gave the national month's lines in
        # 2,296 chunks, each converted apart: one batch for the whole result instead.
        cur.adbc_statement.set_options(**{SQLITE_BATCH_ROWS: str(READ_BATCH_ROWS)})


def _lines_sql(status: Status, p: str, where: str = "") -> str:
    return (
        f"SELECT {', '.join(LINES_SCHEMA)} FROM {TABLES[status].lines.name} "
        f"WHERE period = '{p}'{where} ORDER BY line_no"
    )


def _frozen_lines(store: Store, p: str, count: int) -> pl.DataFrame:
    """A closed period's lines read by :data:`LINE_READERS` connections at once. Frozen rows
    are written once, in the close's transaction, and never change, so reading them in
    several transactions gives exactly the rows one would."""
    if count <= 0:
        return _empty_lines()
    step = -(-count // LINE_READERS)

    def part(start: int) -> pl.DataFrame:
        where = f" AND line_no >= {start} AND line_no < {start + step}"
        with _reader(store) as conn, contextlib.closing(conn.cursor()) as cur:
            _one_batch(store, cur)
            # Typed here: SQLite types a column by its values, and a text column all NULL
            # in one range would come back as another type than in the other.
            return cast_to(_fetch(cur, _lines_sql(CLOSED, p, where)), LINES_SCHEMA)

    with ThreadPoolExecutor(LINE_READERS, thread_name_prefix="frozen-lines") as pool:
        parts = list(pool.map(part, range(0, count, step)))
    return pl.concat(parts, rechunk=False)


@dataclass(frozen=True, slots=True)
class _Block:
    block_no: int
    first_line: int
    line_count: int


def _frozen_extent(cur: Any, p: str) -> tuple[int, list[_Block]]:
    """How many lines a closed period has, and its blocks in order."""
    cur.execute(
        f"SELECT COALESCE(MAX(line_no), -1) + 1 FROM {period_lines.name} WHERE period = '{p}'"
    )
    count = int(cur.fetchall()[0][0])
    cur.execute(
        f"SELECT block_no, first_line, line_count FROM {frozen_line_blocks.name} "
        f"WHERE period = '{p}' ORDER BY block_no"
    )
    return count, [_Block(int(a), int(b), int(c)) for a, b, c in cur.fetchall()]


def _blocks_cover(blocks: Sequence[_Block], count: int) -> bool:
    """True when the blocks follow one another from line 0 to the period's last line."""
    expected = 0
    for number, block in enumerate(blocks):
        if block.block_no != number or block.first_line != expected or block.line_count <= 0:
            return False
        expected += block.line_count
    return expected == count and count > 0


class DamagedBlock(Exception):
    """A frozen block that does not match its checksum or its line count."""


def _block_lines(store: Store, p: str, blocks: Sequence[_Block]) -> pl.DataFrame | None:
    """A closed period's lines from its blocks, each checked against its SHA-256 and line
    count; None (after a warning in the log) when one does not match, so that the caller
    reads the rows instead: the rows are the record, the blocks a faster copy of them."""

    def block(found: _Block) -> pl.DataFrame:
        with _reader(store) as conn, contextlib.closing(conn.cursor()) as cur:
            cur.execute(
                f"SELECT sha256, data FROM {frozen_line_blocks.name} "
                f"WHERE period = '{p}' AND block_no = {found.block_no}"
            )
            rows = cur.fetchall()
        if len(rows) != 1:
            raise DamagedBlock(f"block {found.block_no} is missing")
        digest, data = rows[0]
        if hashlib.sha256(data).hexdigest() != digest:
            raise DamagedBlock(f"block {found.block_no} does not match its SHA-256")
        frame = pl.read_parquet(io.BytesIO(data))
        if frame.height != found.line_count or frame.schema != LINES_SCHEMA:
            raise DamagedBlock(f"block {found.block_no} holds other lines than recorded")
        return frame

    try:
        with ThreadPoolExecutor(LINE_READERS, thread_name_prefix="frozen-blocks") as pool:
            parts = list(pool.map(block, blocks))
    except DamagedBlock as damaged:
        log.warning("frozen lines of %s: %s; reading its rows instead", p, damaged)
        return None
    return pl.concat(parts, rechunk=False)


def _empty_lines() -> pl.DataFrame:
    return pl.DataFrame(schema=LINES_SCHEMA)


def load_frames(
    store: Store, status: Status, period_literal: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A whole result (lines, statements, ranking) read in one transaction, for an export
    (a closed period's lines from its blocks, or in several transactions, see
    :func:`_block_lines` and :func:`_frozen_lines`)."""
    p = period_literal
    with _reader(store) as conn, contextlib.closing(conn.cursor()) as cur:
        _one_batch(store, cur)
        statements = _fetch(
            cur,
            f"SELECT {', '.join(STATEMENTS_SCHEMA)} FROM {TABLES[status].statements.name} "
            f"WHERE period = '{p}' ORDER BY installer_id",
        )
        ranked = _fetch(
            cur,
            f"SELECT data FROM ranking_rows WHERE period = '{p}' AND status = '{status}' "
            "ORDER BY position",
        )
        lines: pl.DataFrame | None = None
        blocks: list[_Block] = []
        count = 0
        if status == CLOSED:
            count, blocks = _frozen_extent(cur, p)
            if not store.is_sqlite and not _blocks_cover(blocks, count):
                lines = _fetch(cur, _lines_sql(status, p))
        else:
            lines = _fetch(cur, _lines_sql(status, p))
    if lines is None and _blocks_cover(blocks, count):
        lines = _block_lines(store, p, blocks)
    if lines is None:
        lines = _frozen_lines(store, p, count)
    rows = (
        [json.loads(text) for text in ranked.get_column("data").to_list()] if ranked.height else []
    )
    return (
        cast_to(lines, LINES_SCHEMA),
        cast_to(statements, STATEMENTS_SCHEMA),
        pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame(),
    )


def cast_to(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return frame.select([pl.col(n).cast(t) for n, t in schema.items()])
