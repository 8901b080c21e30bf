"""Ids in text order, sorted by comparing integers.

The engine's ids are one Categorical (``entities.new_id_type``), and polars sorts a
Categorical by its text: each comparison looks up and compares two strings. On the national
month, sorting the lines by job and source id that way took 0.7 s of the 0.9 s of the sort.

Each entity table holds its own key once per record. Where a table's rows are in key order
(checked in one pass: the store reads them without ORDER BY, in the order SQLite or
PostgreSQL keeps them, which is key order for a month imported in id order but not always),
a key's row number is its place in text order; a table out of order has its keys sorted
once. :class:`KeyRanks` keeps that rank by code for each table, and
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
    """The text-order rank of each key of the tables of TABLE_KEYS, by the key's code.

    One array for all tables: ``rank[code]``, the key's place among its table's keys, and
    ``table[code]``, which table that is. An id that is a key of two tables (the same text,
    so the same code) holds one of them; asked for the other, it has no rank, and the keys
    fall back to the text. 4 + 1 bytes per code (national month: 36 MiB).
    """

    def __init__(
        self,
        rank: pl.Series,
        table: pl.Series,
        tables: Sequence[str],
        dtype: pl.DataType | None = None,
    ) -> None:
        self._rank = rank
        self._table = table
        self._number = {name: i for i, name in enumerate(tables)}
        self._dtype = dtype  # the Categorical whose codes these are

    @classmethod
    def of(cls, frames: Mapping[str, pl.DataFrame]) -> KeyRanks:
        """The ranks of the key columns of ``frames`` that are a Categorical (encoded ids).

        A table in strictly increasing key order (the usual case) costs one pass to check
        it; any other is sorted by its key first.
        """
        found: list[tuple[str, pl.Series]] = []
        dtype: pl.DataType | None = None
        for table, key in TABLE_KEYS.items():
            frame = frames.get(table)
            if frame is None or not isinstance(frame.schema.get(key), pl.Categorical):
                continue
            if dtype is not None and frame.schema[key] != dtype:
                continue  # codes of other categories: they would not compare
            dtype = frame.schema[key]
            keys = frame.select(pl.col(key).drop_nulls())
            if keys.height > 1 and not in_key_order(keys, [key]):
                keys = keys.sort(key)
            found.append((table, keys.get_column(key).to_physical()))
        size = max((int(codes.max()) + 1 for _, codes in found if codes.len()), default=0)  # type: ignore[arg-type]
        rank = pl.repeat(None, size, dtype=pl.UInt32, eager=True)
        tags = pl.repeat(None, size, dtype=pl.UInt8, eager=True)
        for number, (_, codes) in enumerate(found):
            rank = rank.scatter(codes, pl.int_range(codes.len(), dtype=pl.UInt32, eager=True))
            tags = tags.scatter(codes, pl.repeat(number, codes.len(), dtype=pl.UInt8, eager=True))
        return cls(rank, tags, [name for name, _ in found], dtype)

    def _ranked(self, column: str, number: pl.Expr) -> pl.Expr:
        """The rank of each id of ``column`` where it is a key of table ``number``, else null."""
        code = pl.col(column).to_physical()
        rank = pl.lit(self._rank).gather(code, null_on_oob=True)
        table = pl.lit(self._table).gather(code, null_on_oob=True)
        return pl.when(table == number).then(rank)

    def keys(self, frame: pl.DataFrame, column: str, table: str) -> pl.Series:
        """UInt32 per row of ``frame``: sorting by it sorts ``column`` (ids that are keys of
        ``table``) as by its text. Nulls stay null."""
        number = self._number.get(table)
        if number is None or frame.schema[column] != self._dtype:
            return self._completed(frame, column, pl.lit(None, pl.UInt32), None)
        return self._completed(frame, column, self._ranked(column, pl.lit(number)), None)

    def keys_by_source(
        self, frame: pl.DataFrame, column: str, source: str, tables: Mapping[str, str]
    ) -> pl.Series:
        """As :meth:`keys`, for a column whose rows name ids of different tables: a row's
        table is ``tables[row's source]``. The keys of rows of different sources do not
        compare with each other, so the sort must keep each source apart (its keys before
        this one must tell the sources apart), as a line's rule fixes its source. A source
        without a table ranks its ids by their text among its own rows."""
        number: pl.Expr = pl.lit(None, pl.UInt8)
        if frame.schema[column] != self._dtype:
            tables = {}  # ids of other categories: their codes mean nothing here
        for name, table in tables.items():
            if table in self._number:
                value = pl.lit(self._number[table], pl.UInt8)
                number = pl.when(pl.col(source) == name).then(value).otherwise(number)
        return self._completed(frame, column, self._ranked(column, number), source)

    def _completed(
        self, frame: pl.DataFrame, column: str, found: pl.Expr, source: str | None
    ) -> pl.Series:
        """``found`` as a Series; where an id has no rank, the ids of its source (all of
        them, without a source) ranked by their text among themselves instead."""
        ids = pl.col(column)
        keys = frame.select(found.alias(column)).to_series()
        lacking = frame.select(ids.is_not_null() & keys.is_null()).to_series()
        if not lacking.any():
            return keys
        key: pl.Expr = pl.lit(keys)
        names: list[str | None] = [None]
        if source is not None:
            names = frame.filter(lacking).get_column(source).unique().cast(pl.String).to_list()
        for name in names:
            rows = pl.lit(True) if name is None or source is None else pl.col(source) == name
            by_text = pl.when(rows).then(ids.cast(pl.String)).rank("dense").cast(pl.UInt32)
            key = pl.when(rows).then(by_text).otherwise(key)
        return frame.select(key.alias(column)).to_series()


#: Null parts of a :func:`sort_key` come after every rank (ranks are row numbers).
LAST = 2**32 - 1


def sort_key(first: pl.Expr, *rest: pl.Expr) -> pl.Expr:
    """One Int128 that sorts as the parts in turn: ``first`` any Int64 (null: the key is
    null), each of ``rest`` a whole number in [0, 2**32 - 1), null sorting last.

    Polars sorts one integer column several times faster than the same values as several
    columns (national month's lines: 0.1 s against 0.9 s).
    """
    if len(rest) > 2:
        raise ValueError("sort_key packs at most two parts after the first")
    key = first.cast(pl.Int64).cast(pl.Int128)
    for part in rest:
        key = key * pl.lit(2**32, pl.Int128) + part.fill_null(LAST).cast(pl.Int128)
    return key
