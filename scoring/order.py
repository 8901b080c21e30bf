"""Ids in text order, sorted by comparing integers.

The engine's ids are one Categorical (``entities.new_id_type``), and polars sorts a
Categorical by its text: each comparison looks up and compares two strings. On the national
month, sorting the lines by job and source id that way took 0.7 s of the 0.9 s of the sort.

Each entity table holds its own key once per record. Where a table's rows are in key order
(as the store loads them; checked, else its keys are sorted once), a key's row number is its
place in text order. :class:`KeyRanks` keeps that rank by code for each table, and
:meth:`KeyRanks.keys` turns an id column into UInt32 sort keys: sorting by them orders the rows
exactly as sorting by the text would. Where an id has no rank (it is not a key of the table
the column refers to), the keys are the dense rank of the text instead: slower, same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

#: The tables whose own key columns get ranks.
TABLE_KEYS: dict[str, str] = {
    "installers": "installer_id",
    "jobs": "job_id",
    "surveys": "survey_id",
    "revisits": "revisit_id",
    "complaints": "complaint_id",
}


def in_key_order(frame: pl.DataFrame, keys: Sequence[str]) -> bool:
    """Whether the rows are already in strictly increasing key order (no null keys): then
    sorting them would change nothing, and a check is far cheaper than a sort."""
    increasing: pl.Expr = pl.lit(False)
    for key in reversed(keys):
        now, before = pl.col(key), pl.col(key).shift()
        increasing = (now > before) | ((now == before) & increasing)
    checked = frame.select(
        pl.all_horizontal(pl.col(keys).is_not_null().all()).alias("_complete"),
        increasing.slice(1).fill_null(False).all().alias("_increasing"),
    )
    return bool(checked.row(0)[0] and checked.row(0)[1])


class KeyRanks:
    """Per table of TABLE_KEYS, the text-order rank of each of its keys, by the key's code."""

    def __init__(self, ranks: Mapping[str, pl.Series]) -> None:
        self._ranks = dict(ranks)

    @classmethod
    def of(cls, frames: Mapping[str, pl.DataFrame]) -> KeyRanks:
        """The ranks of the key columns of ``frames`` that are a Categorical (encoded ids).

        A table in strictly increasing key order (the usual case) costs one pass to check
        it; any other is sorted by its key first.
        """
        ranks: dict[str, pl.Series] = {}
        for table, key in TABLE_KEYS.items():
            frame = frames.get(table)
            if frame is None or not isinstance(frame.schema.get(key), pl.Categorical):
                continue
            keys = frame.select(pl.col(key).drop_nulls())
            if keys.height > 1 and not in_key_order(keys, [key]):
                keys = keys.sort(key)
            codes = keys.get_column(key).to_physical()
            size = int(codes.max()) + 1 if codes.len() else 0  # type: ignore[arg-type]
            ranks[table] = pl.repeat(None, size, dtype=pl.UInt32, eager=True).scatter(
                codes, pl.int_range(codes.len(), dtype=pl.UInt32, eager=True)
            )
        return cls(ranks)

    def _rank(self, table: str, column: str) -> pl.Expr | None:
        found = self._ranks.get(table)
        if found is None:
            return None
        return pl.lit(found).gather(pl.col(column).to_physical(), null_on_oob=True)

    def keys(self, frame: pl.DataFrame, column: str, table: str) -> pl.Series:
        """UInt32 per row of ``frame``: sorting by it sorts ``column`` (ids that are keys of
        ``table``) as by its text. Nulls stay null."""
        return self._ranked(frame, column, {None: table})

    def keys_by_source(
        self, frame: pl.DataFrame, column: str, source: str, tables: Mapping[str, str]
    ) -> pl.Series:
        """As :meth:`keys`, for a column whose rows name ids of different tables: a row's
        table is ``tables[row's source]``. The keys of rows of different sources do not
        compare with each other, so the sort must keep each source apart (its keys before
        this one must tell the sources apart), as a line's rule fixes its source. A source
        without a table ranks its ids by their text among its own rows."""
        names = frame.get_column(source).drop_nulls().unique().cast(pl.String).to_list()
        return self._ranked(frame, column, {name: tables.get(name) for name in names}, source)

    def _ranked(
        self,
        frame: pl.DataFrame,
        column: str,
        tables: Mapping[str | None, str | None],
        source: str | None = None,
    ) -> pl.Series:
        ids = pl.col(column)

        def rows_of(name: str | None) -> pl.Expr:
            return pl.lit(True) if name is None or source is None else pl.col(source) == name

        found: pl.Expr = pl.lit(None, pl.UInt32)
        for name, table in tables.items():
            rank = self._rank(table, column) if table is not None else None
            if rank is not None:
                found = pl.when(rows_of(name)).then(rank).otherwise(found)
        keys = frame.select(found.alias(column)).to_series()
        # Rows with an id but no rank: their source's ids (every id, for one table) ranked
        # by text among themselves instead.
        lacking = frame.select(ids.is_not_null() & keys.is_null()).to_series()
        if not lacking.any():
            return keys
        names: list[str | None] = [None]
        if source is not None:
            names = frame.filter(lacking).get_column(source).unique().cast(pl.String).to_list()
        key: pl.Expr = pl.lit(keys)
        for name in names:
            rows = rows_of(name)
            by_text = pl.when(rows).then(ids.cast(pl.String)).rank("dense").cast(pl.UInt32)
            key = pl.when(rows).then(by_text).otherwise(key)
        return frame.select(key.alias(column)).to_series()


#: Null parts of a :func:`sort_key` come after every rank (ranks are row numbers).
_LAST = 2**32 - 1


def sort_key(first: pl.Expr, *rest: pl.Expr) -> pl.Expr:
    """One Int128 that sorts as the parts in turn: ``first`` any Int64 (null: the key is
    null), each of ``rest`` a whole number in [0, 2**32 - 1), null sorting last.

    Polars sorts one integer column several times faster than the same values as several
    columns (national month's lines: 0.1 s against 0.9 s).
    """
    if len(rest) > 2:
        raise ValueError("sort_key packs at most three parts after the first")
    key = first.cast(pl.Int64).cast(pl.Int128)
    for part in rest:
        key = key * pl.lit(2**32, pl.Int128) + part.fill_null(_LAST).cast(pl.Int128)
    return key
