"""Conversions between normalised entity frames and the store's column representation."""

from __future__ import annotations

import polars as pl

from scoring.entities import Entity, Kind


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
