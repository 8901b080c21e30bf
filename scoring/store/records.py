"""Entity records: bulk loading into frames, and applying an import as one transaction.

An import batch is applied atomically: either every accepted row of every file of the batch is
stored, with the history of what it replaced and the record of the batch, its files and its
rejected rows, or nothing is. Imports serialise on the ``import`` lock, and the comparison with
what is stored happens under that lock, so two imports at once cannot both decide a record is new.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
from sqlalchemy import select

from scoring.entities import BY_NAME, ENTITIES, JOB_INSTALLERS_SCHEMA, JOBS, Entity
from scoring.errors import Problem
from scoring.store.db import Store, now_us, take_lock
from scoring.store.frames import from_store, owned, to_store
from scoring.store.schema import record_history

log = logging.getLogger(__name__)

#: Connections reading tables at once in load_all (the machines have 2 cores).
LOAD_THREADS = 3


def load_entity(store: Store, entity: Entity, ids: pl.DataType | None = None) -> pl.DataFrame:
    """Every current record of ``entity`` as a normalised frame (``entity.schema``; the id
    columns of type ``ids`` when given, see :func:`load_all`)."""
    columns = ", ".join(f.column for f in entity.fields)
    raw = store.read_frame(f"SELECT {columns}, extra FROM {entity.name}")
    return owned(from_store(entity, raw), ids)


def load_job_installers(store: Store, ids: pl.DataType | None = None) -> pl.DataFrame:
    raw = store.read_frame("SELECT job_id, installer_id, share_num, share_den FROM job_installers")
    return owned(raw.cast(dict(JOB_INSTALLERS_SCHEMA)), ids)  # type: ignore[arg-type]


def load_all(store: Store, *, ids: pl.DataType | None = None) -> dict[str, pl.DataFrame]:
    """All entity frames and ``job_installers``: the engine's input.

    ``ids``: the type of every id column (``entities.ID_COLUMNS``), one Categorical of
    ``entities.new_id_type()`` for frames that are loaded to be computed; by default text.
    The tables are read on parallel connections: the drivers release the GIL while they
    fetch, and the national month loaded one table after another took 7 s on one core.
    """
    loaders: dict[str, Callable[[], pl.DataFrame]] = {
        e.name: functools.partial(load_entity, store, e, ids) for e in ENTITIES
    }
    loaders["job_installers"] = functools.partial(load_job_installers, store, ids)
    # Biggest first, so that the small tables fill in beside them.
    order = ["jobs", "surveys", "job_installers", "revisits"]
    names = order + [n for n in loaders if n not in order]
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        futures = {name: pool.submit(loaders[name]) for name in names}
        frames = {name: futures[name].result() for name in loaders}
    release_freed_memory()
    return frames


def release_freed_memory() -> None:
    """Hand the C library's freed heap back to the system (glibc only; elsewhere a no-op).

    The drivers allocate the Arrow data with the C library's malloc, polars with its own
    allocator: what the load freed stays in the process (about 0.5 GiB for the national
    month) and polars cannot reuse it for the computation that follows.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def load_ids(store: Store, entity: Entity) -> pl.Series:
    frame = store.read_frame(f"SELECT {entity.id_column} FROM {entity.name}")
    return frame.get_column(entity.id_column).cast(pl.String)


@dataclass
class FileWrite:
    """What one input file brings to a batch: its valid rows and its rejected ones."""

    entity: Entity
    path: str
    sha256: str
    sheet: str | None
    rows: int
    frame: pl.DataFrame  # valid rows, entity.schema columns
    job_installers: pl.DataFrame | None
    rejected: pl.DataFrame  # rejected rows as written, with "_row"
    problems: Sequence[Problem]
    rejects_path: str | None = None


@dataclass
class FileOutcome:
    path: str
    entity: str
    rows: int
    accepted: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: str | None = None


@dataclass
class BatchOutcome:
    batch_id: int
    files: list[FileOutcome] = field(default_factory=list)

    def total(self, what: str) -> int:
        return sum(int(getattr(f, what)) for f in self.files)


def ingest_frame(cursor: Any, table: str, frame: pl.DataFrame, *, temporary: bool = False) -> None:
    """Append ``frame`` to ``table`` (or replace a temporary table) inside the transaction."""
    arrow = frame.to_arrow()
    # Arrow's large/view string and binary types are not understood by every ADBC driver.
    arrow = arrow.cast(pa.schema([_plain_field(f) for f in arrow.schema]))
    mode = "replace" if temporary else "append"
    cursor.adbc_ingest(table, arrow, mode=mode, temporary=temporary)


def _plain_field(field: pa.Field) -> pa.Field:
    if pa.types.is_large_string(field.type) or pa.types.is_string_view(field.type):
        return pa.field(field.name, pa.string())
    if pa.types.is_large_binary(field.type) or pa.types.is_binary_view(field.type):
        return pa.field(field.name, pa.binary())
    return field


def _fetch(cursor: Any, sql: str) -> pl.DataFrame:
    cursor.execute(sql)
    frame = pl.from_arrow(cursor.fetch_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _classify(
    entity: Entity, incoming: pl.DataFrame, existing: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, int, int, int]:
    """Split incoming rows into new, replaced (with the old versions) and unchanged."""
    key = entity.id_column
    cols = list(entity.schema.names())
    old = existing.select([pl.col(c).alias(f"{c}__old") for c in cols] + ["batch_id"])
    joined = incoming.join(old, left_on=key, right_on=f"{key}__old", how="left", coalesce=False)
    exists = pl.col(f"{key}__old").is_not_null()
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}__old")) for c in cols])
    joined = joined.with_columns(exists.alias("__exists"), (exists & same).alias("__same"))
    new_or_changed = joined.filter(~pl.col("__same")).select(cols)
    replaced_old = joined.filter(pl.col("__exists") & ~pl.col("__same")).select(
        [pl.col(f"{c}__old").alias(c) for c in cols] + ["batch_id"]
    )
    n_new = int(joined.select((~pl.col("__exists")).sum()).item())
    n_unchanged = int(joined.select(pl.col("__same").sum()).item())
    return new_or_changed, replaced_old, n_new, len(replaced_old), n_unchanged


def _existing(cur: Any, entity: Entity, incoming: pl.DataFrame) -> pl.DataFrame:
    """The stored versions of the incoming ids (none at all when the table is empty)."""
    key = entity.id_column
    cur.execute(f"SELECT 1 FROM {entity.name} LIMIT 1")
    if cur.fetchone() is None:
        return from_store(entity, to_store(entity, incoming.head(0))).with_columns(
            pl.lit(None, dtype=pl.Int32).alias("batch_id")
        )
    ingest_frame(cur, "stage_ids", incoming.select(pl.col(key).cast(pl.String)), temporary=True)
    columns = ", ".join(f"t.{f.column}" for f in entity.fields)
    return from_store(
        entity,
        _fetch(
            cur,
            f"SELECT {columns}, t.extra, t.batch_id FROM {entity.name} t "
            f"JOIN stage_ids s ON t.{key} = s.{key}",
        ),
    )


def _history_rows(entity: Entity, old: pl.DataFrame, batch_id: int, at: int) -> pl.DataFrame:
    """Old versions as JSON text, in store representation (exact, readable)."""
    stored = to_store(entity, old.drop("batch_id"))
    return pl.DataFrame(
        {
            "entity": pl.Series([entity.name] * len(old), dtype=pl.String),
            "record_id": old.get_column(entity.id_column).cast(pl.String),
            "data": stored.select(pl.struct(pl.all()).struct.json_encode()).to_series(),
            "batch_id": old.get_column("batch_id").cast(pl.Int32),
            "replaced_by_batch_id": pl.Series([batch_id] * len(old), dtype=pl.Int32),
            "replaced_at": pl.Series([at] * len(old), dtype=pl.Int64),
        }
    )


def apply_batch(store: Store, files: Sequence[FileWrite], *, actor: str) -> BatchOutcome:
    """Store a batch of files in one transaction and return what happened to each file."""
    started = now_us()
    with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
        take_lock(cur, "import")
        cur.execute("SELECT COALESCE(MAX(batch_id), 0) + 1 FROM import_batches")
        batch_id = int(cur.fetchone()[0])
        outcome = BatchOutcome(batch_id=batch_id)
        changed_at = now_us()
        for position, fw in enumerate(files):
            outcome.files.append(_apply_file(cur, fw, batch_id, position, changed_at))
        batch = pl.DataFrame(
            {
                "batch_id": [batch_id],
                "started_at": [started],
                "finished_at": [now_us()],
                "actor": [actor],
                "files": [len(files)],
                "accepted": [outcome.total("accepted")],
                "replaced": [outcome.total("replaced")],
                "unchanged": [outcome.total("unchanged")],
                "rejected": [outcome.total("rejected")],
            },
            schema_overrides={"batch_id": pl.Int32, "files": pl.Int32},
        )
        ingest_frame(cur, "import_batches", batch)
        files_frame = pl.DataFrame(
            [
                {
                    "batch_id": batch_id,
                    "position": i,
                    "path": fw.path,
                    "entity": fw.entity.name,
                    "sheet": fw.sheet,
                    "sha256": fw.sha256,
                    "rows": o.rows,
                    "accepted": o.accepted,
                    "replaced": o.replaced,
                    "unchanged": o.unchanged,
                    "rejected": o.rejected,
                    "rejects_path": fw.rejects_path,
                }
                for i, (fw, o) in enumerate(zip(files, outcome.files, strict=True))
            ],
            schema_overrides={"batch_id": pl.Int32, "position": pl.Int32, "sheet": pl.String},
        )
        if len(files_frame):
            ingest_frame(cur, "import_files", files_frame)
        ingest_frame(cur, "audit_log", _audit_row(actor, "import", f"batch {batch_id}", outcome))
        conn.commit()
    return outcome


def _audit_row(actor: str, action: str, target: str, outcome: BatchOutcome) -> pl.DataFrame:
    detail = json.dumps(
        {
            "files": [f.__dict__ for f in outcome.files],
        },
        ensure_ascii=False,
    )
    return pl.DataFrame(
        {
            "at": [now_us()],
            "actor": [actor],
            "action": [action],
            "target": [target],
            "detail": [detail],
        }
    )


@contextlib.contextmanager
def _timed(what: str, entity: Entity) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log.info("import %s: %s %.2f s", entity.name, what, time.perf_counter() - started)


def _apply_file(cur: Any, fw: FileWrite, batch_id: int, position: int, at: int) -> FileOutcome:
    entity = fw.entity
    key = entity.id_column
    out = FileOutcome(path=fw.path, entity=entity.name, rows=fw.rows, rejects_path=fw.rejects_path)
    incoming = fw.frame.select(list(entity.schema.names()))
    if len(incoming):
        with _timed("compare with stored", entity):
            existing = _existing(cur, entity, incoming)
            write, old, out.accepted, out.replaced, out.unchanged = _classify(
                entity, incoming, existing
            )
        if len(old):
            with _timed("history of replaced", entity):
                ingest_frame(cur, "record_history", _history_rows(entity, old, batch_id, at))
                ingest_frame(
                    cur, "stage_ids", old.select(pl.col(key).cast(pl.String)), temporary=True
                )
                cur.execute(
                    f"DELETE FROM {entity.name} WHERE {key} IN (SELECT {key} FROM stage_ids)"
                )
                if entity is JOBS:
                    cur.execute(
                        "DELETE FROM job_installers WHERE job_id IN (SELECT job_id FROM stage_ids)"
                    )
        if len(write):
            with _timed(f"write {len(write)} rows", entity):
                # In key order, so that the primary-key B-tree is appended to, not shuffled.
                stored = to_store(entity, write.sort(key)).with_columns(
                    pl.lit(batch_id, dtype=pl.Int32).alias("batch_id"),
                    pl.lit(at, dtype=pl.Int64).alias("changed_at"),
                )
                ingest_frame(cur, entity.name, stored)
            if entity is JOBS and fw.job_installers is not None:
                with _timed("write shares", entity):
                    shares = fw.job_installers.join(write.select(key), on=key, how="semi").sort(
                        "job_id", "installer_id"
                    )
                    ingest_frame(
                        cur, "job_installers", shares.select(JOB_INSTALLERS_SCHEMA.names())
                    )
    out.rejected = fw.rejected.height
    if fw.problems:
        ingest_frame(cur, "rejected_problems", _problem_rows(fw.problems, batch_id, position))
    if fw.rejected.height:
        data_cols = [c for c in fw.rejected.columns if c != "_row"]
        rows = fw.rejected.select(
            pl.lit(batch_id, dtype=pl.Int32).alias("batch_id"),
            pl.lit(position, dtype=pl.Int32).alias("position"),
            pl.col("_row").cast(pl.Int64).alias("row_number"),
            pl.struct([pl.col(c).cast(pl.String) for c in data_cols])
            .struct.json_encode()
            .alias("data"),
        )
        ingest_frame(cur, "rejected_rows", rows)
    return out


def _problem_rows(problems: Sequence[Problem], batch_id: int, position: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "batch_id": [batch_id] * len(problems),
            "position": [position] * len(problems),
            "row_number": [p.row for p in problems],
            "sheet": [p.sheet for p in problems],
            "column_name": [p.column for p in problems],
            "value": [p.value for p in problems],
            "reason": [p.reason for p in problems],
        },
        schema={
            "batch_id": pl.Int32,
            "position": pl.Int32,
            "row_number": pl.Int64,
            "sheet": pl.String,
            "column_name": pl.String,
            "value": pl.String,
            "reason": pl.String,
        },
    )


def history_of(store: Store, entity_name: str, record_id: str) -> list[dict[str, Any]]:
    """Every earlier version of one record, oldest first (small: plain SQLAlchemy)."""
    query = (
        select(record_history)
        .where(record_history.c.entity == BY_NAME[entity_name].name)
        .where(record_history.c.record_id == record_id)
        .order_by(record_history.c.replaced_at, record_history.c.replaced_by_batch_id)
    )
    with store.begin() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
