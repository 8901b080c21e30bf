"""Conversions between normalised entity frames and the store's column representation."""

from __future__ import annotations

import io

import polars as pl

from scoring.entities import ID_COLUMNS, Entity, Kind


def to_store(entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
    """Entity frame → store columns: timestamps as epoch µs, dates as ISO text."""
    exprs: list[pl.Expr] = []
    for f in entity.fields:
        col = pl.col(f.column)
        if f.kind is Kind.TIMESTAMP:
            exprs.append(col.dt.epoch("us").alias(f.column))
        elif f.kind is Kind.DATE:
            exprs.append(col.dt.to_string("%Y-%m-%d").alias(f.column))
        else:
            exprs.append(col.cast(f.dtype).alias(f.column))
    exprs.append(pl.col("extra").cast(pl.String))
    return frame.select(exprs)


def from_store(entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
    """Store columns → the normalised entity frame of ``entity.schema`` (other columns kept)."""
    exprs: list[pl.Expr] = []
    for f in entity.fields:
        col = pl.col(f.column)
        if f.kind is Kind.TIMESTAMP:
            exprs.append(
                pl.from_epoch(col.cast(pl.Int64), time_unit="us")
                .dt.replace_time_zone("UTC")
                .alias(f.column)
            )
        elif f.kind is Kind.DATE:
            exprs.append(col.cast(pl.String).str.to_date("%Y-%m-%d").alias(f.column))
        else:
            exprs.append(col.cast(f.dtype).alias(f.column))
    exprs.append(pl.col("extra").cast(pl.String))
    rest = [c for c in frame.columns if c not in entity.schema]
    return frame.select(*exprs, *rest)


def empty(entity: Entity) -> pl.DataFrame:
    return pl.DataFrame(schema=entity.schema)


def owned(frame: pl.DataFrame, ids: pl.DataType | None = None) -> pl.DataFrame:
    """``frame`` in memory of polars' own, its ``ID_COLUMNS`` cast to ``ids`` when given.

    A frame read through ADBC shares the driver's Arrow batch, whose buffers are freed
    together: as long as one column reads from it, every column's first form stays alive
    too, beside polars' own form of the text. The id columns are cast (their text is kept
    once in the categories, not once per row) and the others are copied through Arrow IPC
    in memory, so the batch is freed once the caller lets go of ``frame``. The national
    month's frames took 1.6 GiB read as they came and 2.3 GiB once their ids were encoded,
    against 1.1 GiB loaded encoded this way.
    """
    encode = [c for c in ID_COLUMNS if c in frame.columns] if ids is not None else []
    rest = frame.drop(encode)
    copied = rest
    if rest.width:
        buffer = io.BytesIO()
        rest.write_ipc(buffer, compression="uncompressed")
        del rest
        buffer.seek(0)
        copied = pl.read_ipc(buffer)
        del buffer
    if ids is not None:
        copied = pl.concat([copied, frame.select(pl.col(encode).cast(ids))], how="horizontal")
    return copied.select(frame.columns)
