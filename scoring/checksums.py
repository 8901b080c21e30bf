"""The input checksums of a computation: rows and sha256 of each input table, recorded in
``Result.about`` so that a frozen period names exactly the data it was computed from."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from scoring.order import in_key_order

#: Input tables recorded in ``Result.about`` with their key columns (canonical row order).
INPUT_KEYS: dict[str, tuple[str, ...]] = {
    "dealers": ("dealer_id",),
    "teams": ("team_id",),
    "installers": ("installer_id",),
    "jobs": ("job_id",),
    "job_installers": ("job_id", "installer_id"),
    "surveys": ("survey_id",),
    "revisits": ("revisit_id",),
    "complaints": ("complaint_id",),
}


def _column_bytes(series: pl.Series) -> list[bytes | memoryview]:
    """The values of a column as bytes whose layout we define (little-endian Int64, UTF-8)."""
    nulls = series.is_null().to_numpy().astype("uint8").tobytes()
    if isinstance(series.dtype, pl.Categorical):
        series = series.cast(pl.String)  # encoded ids (load_all): their text is the value
    dtype = series.dtype
    if dtype == pl.String:
        # Arrow's large_string is the text's UTF-8 bytes end to end plus Int64 offsets: the
        # lengths are the offsets' differences, and the bytes are hashed where they lie.
        text = series.fill_null("").to_arrow()
        if not len(text):
            return [nulls, b"", b""]
        offsets = np.frombuffer(
            text.buffers()[1], dtype="<i8", count=len(text) + 1, offset=text.offset * 8
        )
        lengths = np.diff(offsets).astype("<i8").tobytes()
        data = memoryview(text.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
        return [nulls, lengths, data]
    if isinstance(dtype, pl.Datetime):
        series = series.dt.cast_time_unit("us")
    values = series.to_physical().cast(pl.Int64).fill_null(0).to_numpy().astype("<i8").tobytes()
    return [nulls, values]


def _type_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return f"datetime[us,{dtype.time_zone or ''}]"
    if dtype == pl.String or isinstance(dtype, pl.Categorical):
        return "string"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    raise TypeError(f"no canonical form for {dtype}")


def table_checksum(frame: pl.DataFrame, keys: tuple[str, ...]) -> str:
    """sha256 of a canonical form: columns by name, rows by key, values as defined bytes.

    Stable across processes and polars versions (unlike ``pl.hash``): it depends only on the
    column names, their kind (text, integer, date, timestamp, boolean) and the values. Ids
    encoded as a Categorical are text here: polars sorts and compares them by their text.
    """
    digest = hashlib.sha256()
    present = [k for k in keys if k in frame.columns] or frame.columns
    in_order = frame.height < 2 or in_key_order(frame, present)
    ordered = frame if in_order else frame.sort(present, nulls_last=True)
    digest.update(f"rows={frame.height}".encode())
    for name in sorted(frame.columns):
        series = ordered.get_column(name)
        digest.update(f"|{name}:{_type_name(series.dtype)}|".encode())
        for chunk in _column_bytes(series):
            digest.update(len(chunk).to_bytes(8, "little"))
            digest.update(chunk)
    return digest.hexdigest()


def input_checksums(
    frames: Mapping[str, pl.LazyFrame | pl.DataFrame], *, threads: int = 1
) -> dict[str, dict[str, object]]:
    """Rows and :func:`table_checksum` of each input table of ``frames``.

    ``threads`` > 1 checks that many tables at once (hashlib and polars let go of the GIL):
    for a caller with nothing else to do meanwhile, such as a load.
    """

    def one(name: str) -> dict[str, object]:
        frame = frames[name].lazy().collect()
        return {"rows": frame.height, "sha256": table_checksum(frame, INPUT_KEYS[name])}

    if threads <= 1:
        return {name: one(name) for name in INPUT_KEYS}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="scoring-checksums") as pool:
        futures = {name: pool.submit(one, name) for name in INPUT_KEYS}
        return {name: futures[name].result() for name in INPUT_KEYS}
