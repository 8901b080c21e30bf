"""Write the rejected rows where HR can fix and re-import them.

The file has the original headers (as written, duplicates included) and the rejected rows as the
user wrote them, plus a last column ``导入错误 / import_error`` with the reasons of the row. It is
CSV in UTF-8 with a BOM so that Excel shows the Chinese text, whatever the input format, named
``<stem>.rejected.csv`` so that the entity is still known from the name. The reader ignores the
error column, so HR fixes the values in place and imports the same file again.

Every text cell is formula-safe: one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote (OWASP), so a spreadsheet shows ``=HYPERLINK(…)`` as text.
The reader takes that quote off again in a rejects file (see ``source.unguard``), so the file
re-imports with the very values HR corrected.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl

from payroll_export.cells import FORMULA_START, csv_guard
from scoring.ingest.model import ERROR_COLUMN, ROW, Parsed
from scoring.ingest.read import REJECTED_SUFFIX, source_stem

_BOM = "\ufeff"


def rejects_path(parsed: Parsed, directory: Path) -> Path:
    return directory / f"{source_stem(parsed.source)}{REJECTED_SUFFIX}.csv"


def write_rejects(parsed: Parsed, directory: Path) -> Path | None:
    """Write ``parsed.rejected`` to ``directory``; None when nothing was rejected.

    When nothing was rejected, an earlier rejects file of the same source is removed: it
    described rows that have now been imported, and leaving it would send HR fixing them again.
    """
    target = rejects_path(parsed, directory)
    if parsed.rejected.height == 0:
        target.unlink(missing_ok=True)
        return None
    directory.mkdir(parents=True, exist_ok=True)

    whole_file = [_describe(p.column, p.reason) for p in parsed.problems if p.row is None]
    by_row: dict[int, list[str]] = {}
    for p in parsed.problems:
        if p.row is not None:
            by_row.setdefault(p.row, []).append(_describe(p.column, p.reason))
    reasons = pl.DataFrame(
        {
            ROW: list(by_row),
            "_reasons": ["; ".join(dict.fromkeys(r)) for r in by_row.values()],
        },
        schema={ROW: pl.Int64, "_reasons": pl.String},
    )
    prefix = "; ".join(dict.fromkeys(whole_file))
    data_columns = [c for c in parsed.rejected.columns if c != ROW]
    error = pl.concat_str(
        [pl.lit(prefix), pl.col("_reasons").fill_null("")], separator="; " if prefix else ""
    ).str.strip_chars("; ")
    rows = (
        parsed.rejected.join(reasons, on=ROW, how="left", maintain_order="left")
        .sort(ROW)
        .select(*data_columns, error.alias(ERROR_COLUMN))
    )
    rows = rows.select(csv_guard(pl.col(c).cast(pl.String)).alias(c) for c in rows.columns)

    headers = list(parsed.headers) if len(parsed.headers) == len(data_columns) else data_columns
    header_line = io.StringIO()
    csv.writer(header_line, lineterminator="\n").writerow(
        [_guard_text(h) for h in [*headers, ERROR_COLUMN]]
    )
    with target.open("wb") as handle:
        handle.write((_BOM + header_line.getvalue()).encode("utf-8"))
        rows.write_csv(handle, include_header=False)
    return target


def _guard_text(text: str) -> str:
    return f"'{text}" if re.match(FORMULA_START, text) else text


def _describe(column: str | None, reason: str) -> str:
    return f"{column}: {reason}" if column else reason
