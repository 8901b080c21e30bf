"""Ids while the engine runs: every id column of one Categorical, and the coded line columns.

Joins and group-bys on 32-bit codes are several times faster than on text. Outputs are cast
back to text at the end (``LINES_SCHEMA`` and the other output schemas).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from scoring.entities import ID_COLUMNS, new_id_type


def encode_ids(frames: Mapping[str, pl.LazyFrame | pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The frames with every id column (``ID_COLUMNS``) of one Categorical (``new_id_type``).

    Frames loaded for computing come encoded already (``load_all(store, ids=...)``) and are
    handed on as they are (no copy); otherwise every id column is cast here to a new one.
    Outputs cast back to String.
    """
    schemas = {name: frame.lazy().collect_schema() for name, frame in frames.items()}
    found = {dtype for schema in schemas.values() for c, dtype in schema.items() if c in ID_COLUMNS}
    shared = next(iter(found)) if len(found) == 1 else None
    if isinstance(shared, pl.Categorical):
        return {
            name: frame if isinstance(frame, pl.DataFrame) else frame.collect()
            for name, frame in frames.items()
        }
    dtype = new_id_type()
    casts = {
        name: frames[name]
        .lazy()
        .with_columns(pl.col([c for c in ID_COLUMNS if c in schema]).cast(dtype))
        for name, schema in schemas.items()
    }
    # Once, here: every later query reads the encoded frames many times.
    return dict(zip(casts, pl.collect_all(list(casts.values())), strict=True))


#: Text columns of the lines that are held in the id type while they are computed, as
#: ``job_id`` and ``installer_id`` are: few distinct values (or ids) over millions of lines,
#: which every join, filter, concat and sort would otherwise move as strings (national month:
#: the split and the lines' sort took twice as long). LINES_SCHEMA casts them back at the end.
CODED_LINE_COLUMNS = ("period", "rule_id", "kind", "source", "source_id")


def coded_lines(frame: pl.LazyFrame, id_type: pl.DataType) -> pl.LazyFrame:
    """``frame`` (lines) with its CODED_LINE_COLUMNS of ``id_type``."""
    names = set(frame.collect_schema().names())
    return frame.with_columns(
        pl.col(name).cast(id_type) for name in CODED_LINE_COLUMNS if name in names
    )
