"""CSV text → one row per physical line, every broken line rejected by its own row number.

A CSV parser happily reads an opening quote in one comment and a closing quote 200 lines later
as one record with a 15,000-character comment: valid CSV, 200 surveys lost. This reader keeps
the physical lines of the file (the row numbers a text editor shows; the header is row 1) and
rejects, by row, what a person did not mean:

- A quoted cell may span lines (customers write comments over several lines) only when the
  record then has exactly the header's cell count, spans at most :data:`MAX_RECORD_LINES`
  lines, and none of the lines it swallows looks like a row of its own (has as many commas
  as the header). Otherwise the quote "is not closed": its first row is rejected naming the
  rows it swallowed, and each swallowed row is rejected too (it is written to the rejects file
  as a row of its own, so HR sees it and re-imports it).
- A quote that opens a cell and is followed by something other than a comma or the end of the
  line after it closes (``"a"b``), or that never closes, is such a broken quote too.
- A row with more or fewer cells than the header is rejected, never padded nor cut.
- A row holding a byte that is neither UTF-8 nor GB18030 is rejected with its row.
- A blank line is an empty row (the validation drops it), not a short row.

Speed: a national file has millions of rows. When the file has no quote character, every line
has exactly the header's commas and no invalid byte, polars reads it as it is (the counts are
taken on the bytes, without decoding). Otherwise the lines without a quote are split by polars
and only the lines with a quote are read by the ``csv`` module, one record at a time.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl

from scoring.ingest.model import ROW

#: The most physical lines one record may span (a comment of a few paragraphs).
MAX_RECORD_LINES = 10
#: Bytes per step when counting the lines, commas and quotes of a file.
_CHUNK = 1 << 24

# A cell may be long (the validation rejects one over Excel's limit with its row); the csv
# module's default limit of 128 KiB would instead look like a broken quote.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))


@dataclass(frozen=True)
class RowProblem:
    row: int
    reason: str


@dataclass
class CsvRows:
    """The data rows (String columns ``names`` + ``_row``) and the rows rejected while reading.

    The rejected rows are in ``frame`` too (their cells as far as they could be read), so that
    the rejects file shows them; ``problems`` names them.
    """

    frame: pl.DataFrame
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ByteCounts:
    lines: int
    commas: int
    quotes: bool


def count_bytes(chunks: Iterator[bytes]) -> ByteCounts:
    """Physical lines, commas and whether any quote occurs, counted on the bytes."""
    newlines = commas = 0
    quotes = False
    last = b""
    for chunk in chunks:
        newlines += chunk.count(b"\n")
        commas += chunk.count(b",")
        quotes = quotes or b'"' in chunk
        last = chunk[-1:] or last
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return ByteCounts(lines=lines, commas=commas, quotes=quotes)


def is_plain(counts: ByteCounts, width: int) -> bool:
    """Whether every line may be a record of ``width`` cells: no quote, the right commas.

    With polars refusing a line with more cells, equal totals mean every line has exactly the
    header's commas (a blank line or a short row makes the total smaller).
    """
    return not counts.quotes and counts.commas == (width - 1) * counts.lines


def quote_not_closed(row: int, last: int | None) -> str:
    if last is None:
        return (
            f"第 {row} 行的引号没有闭合,吞掉了第 {row + 1} 行直到文件末尾;请检查该行的引号 / "
            f"row {row}: a quote is not closed and swallows every row after it to the end "
            f"of the file; check the quotes in row {row}"
        )
    if last == row:
        return (
            f"第 {row} 行的引号不完整(闭合引号后应为逗号或行尾)/ "
            f"row {row}: a quote is not closed properly (a closing quote must be followed by "
            "a comma or the end of the line)"
        )
    return (
        f"第 {row} 行的引号没有闭合,吞掉了第 {row + 1}–{last} 行;请检查该行的引号 / "
        f"row {row}: a quote is not closed and swallows rows {row + 1}–{last}; "
        f"check the quotes in row {row}"
    )


def swallowed(row: int, by: int) -> str:
    return (
        f"第 {row} 行被第 {by} 行未闭合的引号吞掉,未导入 / "
        f"row {row} was swallowed by the unclosed quote in row {by} and is not imported"
    )


def cell_count(row: int, cells: int, width: int) -> str:
    if cells > width:
        return (
            f"第 {row} 行有 {cells} 个单元格,多于表头的 {width} 列 / "
            f"row {row} has {cells} cells, more than the {width} header columns"
        )
    return (
        f"第 {row} 行只有 {cells} 个单元格,少于表头的 {width} 列 / "
        f"row {row} has {cells} cells, fewer than the {width} header columns"
    )


def invalid_bytes(row: int, *, line: int | None = None) -> str:
    if line is not None and line != row:
        return (
            f"第 {row} 行(其单元格跨到第 {line} 行)含有无法识别的字节(既不是 UTF-8 也不是 "
            f"GB18030 文本)/ row {row} holds bytes that are neither UTF-8 nor GB18030 text "
            f"(in line {line}, within a cell of several lines)"
        )
    return (
        f"第 {row} 行含有无法识别的字节(既不是 UTF-8 也不是 GB18030 文本)/ "
        f"row {row} holds bytes that are neither UTF-8 nor GB18030 text"
    )


def fit(cells: Sequence[str], width: int) -> list[str | None]:
    """``cells`` as ``width`` cells for the rejects file: missing ones empty, extra ones kept
    in the last cell (joined by commas) so that nothing the user wrote is dropped."""
    shown: list[str | None] = list(cells[:width])
    if len(cells) > width:
        shown[-1] = ",".join(cells[width - 1 :])
    shown += [None] * (width - len(shown))
    return [c if c else None for c in shown]


def read_lines(
    text: str, names: list[str], *, header_lines: int, bad_rows: frozenset[int] = frozenset()
) -> CsvRows:
    """The general reader: ``text`` (the whole file, decoded) as rows of ``names``.

    ``header_lines``: how many lines the header record spans. ``bad_rows``: rows holding bytes
    that could not be decoded.
    """
    width = len(names)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    series = pl.Series("line", lines[header_lines:], dtype=pl.String).str.strip_suffix("\r")
    del lines
    first_row = header_lines + 1
    frame = series.to_frame().with_row_index(ROW, offset=first_row)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    quoted_rows = frame.filter(pl.col("line").str.contains('"', literal=True))[ROW].to_list()

    texts = series.to_list() if quoted_rows else []
    # A line with an odd number of quotes is where a quote left open above it closes.
    odd_rows = (
        frame.filter(
            pl.col(ROW).is_in(quoted_rows)
            & (pl.col("line").str.count_matches('"', literal=True) % 2 == 1)
        )[ROW].to_list()
        if quoted_rows
        else []
    )
    records: list[list[str | None]] = []
    record_rows: list[int] = []
    problems: list[RowProblem] = []
    consumed: set[int] = set()
    #: A line of a multi-line cell → the row its record starts on.
    owner: dict[int, int] = {}
    for row in quoted_rows:
        if row in consumed:
            continue
        start = row - first_row
        cells, end = _record(texts, start, width)
        if cells is None and end is None:
            # Not closed within MAX_RECORD_LINES: it runs to the next line closing a quote.
            after = bisect.bisect_right(odd_rows, row)
            last = odd_rows[after] if after < len(odd_rows) else None
            end = (last if last is not None else first_row + len(texts) - 1) - first_row
        else:
            last = first_row + end if end is not None else None
        assert end is not None
        taken = range(row, first_row + end + 1)
        consumed.update(taken)
        broken = cells is None or (
            end > start and (len(cells) != width or not _fair_span(texts, start, end, width))
        )
        if broken:
            problems.append(RowProblem(row, quote_not_closed(row, last)))
            problems.extend(RowProblem(r, swallowed(r, row)) for r in taken[1:])
            for r in taken:
                records.append(fit(_line_cells(texts[r - first_row]), width))
                record_rows.append(r)
            continue
        assert cells is not None
        owner.update(dict.fromkeys(taken[1:], row))
        if _blank(cells):
            records.append([None] * width)
        else:
            if len(cells) != width:
                problems.append(RowProblem(row, cell_count(row, len(cells), width)))
            records.append(fit(cells, width))
        record_rows.append(row)
    del texts

    rest = frame.filter(~pl.col(ROW).is_in(list(consumed))) if consumed else frame
    commas = pl.col("line").str.count_matches(",", literal=True)
    blank = pl.col("line").str.strip_chars().str.len_bytes() == 0
    rest = rest.with_columns(commas.alias("_commas"), blank.alias("_blank"))
    wrong = rest.filter(~pl.col("_blank") & (pl.col("_commas") != width - 1))
    for row, line in wrong.select(ROW, "line").iter_rows():
        cells = _line_cells(line)
        problems.append(RowProblem(row, cell_count(row, len(cells), width)))
        records.append(fit(cells, width))
        record_rows.append(row)
    good = rest.filter(pl.col("_blank") | (pl.col("_commas") == width - 1))
    split = good.select(
        pl.when(~pl.col("_blank"))
        .then(pl.col("line"))
        .otherwise(pl.lit(",".join([""] * width)))
        .str.split_exact(",", width - 1)
        .struct.rename_fields(names)
        .alias("_cells"),
        pl.col(ROW),
    ).unnest("_cells")
    other = pl.DataFrame(
        [[row, *cells] for row, cells in zip(record_rows, records, strict=True)],
        schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)},
        orient="row",
    )
    together = pl.concat([split.select(ROW, *names), other], how="vertical").sort(ROW)
    together = together.select(
        *(pl.when(pl.col(n).str.len_bytes() > 0).then(pl.col(n)).alias(n) for n in names),
        pl.col(ROW),
    )
    if bad_rows:
        # A bad line inside a multi-line cell is a problem of the row the record starts on.
        known = {p.row for p in problems}
        for r in sorted(bad_rows):
            row = owner.get(r, r)
            if row not in known:
                known.add(row)
                problems.append(RowProblem(row, invalid_bytes(row, line=r)))
    problems.sort(key=lambda p: p.row)
    return CsvRows(together, problems)


def _record(texts: list[str], start: int, width: int) -> tuple[list[str] | None, int | None]:
    """The record starting at line ``start``, read from at most :data:`MAX_RECORD_LINES` lines.

    Returns its cells and last line; ``(None, line)`` when a quote is malformed on that line
    (``"a"b``) or left open at the end of the file; ``(None, None)`` when it is still open after
    the most lines a record may span.
    """
    stop = min(len(texts), start + MAX_RECORD_LINES)
    reader = csv.reader((texts[i] + "\n" for i in range(start, stop)), strict=True)
    try:
        cells = next(reader)
    except csv.Error as exc:
        at_end = "end of data" in str(exc)
        if at_end and stop < len(texts):
            return None, None
        return None, start + max(reader.line_num, 1) - 1
    except StopIteration:  # pragma: no cover - the line exists
        return [], start
    return cells, start + max(reader.line_num, 1) - 1


def _fair_span(texts: list[str], start: int, end: int, width: int) -> bool:
    """Whether a record spanning lines ``start``..``end`` is a real multi-line cell."""
    if end - start + 1 > MAX_RECORD_LINES:
        return False
    row_commas = max(width - 1, 2)
    return all(texts[i].count(",") < row_commas for i in range(start + 1, end + 1))


def _line_cells(line: str) -> list[str]:
    """The cells of one line on its own, as the csv module reads them (for the rejects file)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return [line]


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)
