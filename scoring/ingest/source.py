"""Read a CSV or XLSX file into text: the header row as written and every data row as strings.

Everything is read as text first, and validated uniformly later, so that a CSV cell and an Excel
cell with the same meaning give the same value. Excel cells typed as numbers or dates are turned
into their canonical text by calamine: the integer-valued float ``5.0`` is ``"5"``, the id
``1001`` is ``"1001"``, a date is ``"2025-10-12 00:00:00"`` and a datetime
``"2025-10-12 14:30:15.123"``.

Row numbers are those the user sees: the header is row 1. For CSV a row is a physical line (as
a text editor numbers them); a record whose quoted cell spans lines has the row of its first
line, and broken rows are rejected by their own row (see :mod:`scoring.ingest.csvrows`). Rows
whose cells are all empty are kept here and dropped by the validation pass, which trims the
cells anyway.

Unreadable files are user errors and raise :class:`~scoring.errors.InputError` naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import fastexcel
import polars as pl

from scoring.errors import InputError
from scoring.ingest.csvrows import RowProblem, count_bytes, is_plain, read_lines
from scoring.ingest.model import ROW
from scoring.ingest.xlsx_book import Book, XmlRefused, read_book
from scoring.ingest.xlsx_extent import MAX_COLUMNS, SheetScan, scan_sheet

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_CHUNK = 1 << 24  # bytes per step when checking that a file is valid UTF-8
#: The name a rejects file ends with (``surveys.rejected.csv``, see ``rejects.py``).
REJECTS_SUFFIX = ".rejected.csv"
#: A cell the rejects writer guarded against formula injection.
_GUARDED = r"^'[=+\-@\t\r]"


@dataclass(frozen=True)
class TextTable:
    """A file as text: ``headers`` as written, ``frame`` with one String column per header.

    The columns of ``frame`` are the headers made unique (see :func:`unique_names`), in file
    order, followed by ``_row`` (Int64).
    """

    source: str
    sheet: str | None
    headers: tuple[str, ...]
    frame: pl.DataFrame
    #: Rows rejected while reading (broken quotes, wrong cell counts, invalid bytes); they are
    #: in ``frame`` too, with their cells as far as they could be read.
    problems: tuple[RowProblem, ...] = ()
    #: XLSX: number cells of note (``_row``, ``column``, ``shown``, ``rounded``): a zero-padded
    #: number's text as Excel shows it, and the numbers Excel had already rounded
    #: (see :mod:`scoring.ingest.xlsx_extent`); the reader applies them to id and text fields.
    numbers: pl.DataFrame | None = None
    #: Things the user should know that reject nothing (a hidden first sheet skipped).
    notes: tuple[str, ...] = ()


def read_table(path: Path, *, sheet: str | None = None) -> TextTable:
    """Read ``path`` (CSV or XLSX, by its suffix) as text."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise InputError(
            f"不支持的文件类型 {name},仅支持 CSV 与 XLSX / "
            f"unsupported file type {name}: only CSV and XLSX are read"
        )
    if not path.is_file():
        raise InputError(f"找不到文件 {name} / file not found: {path}")
    if path.stat().st_size == 0:
        raise _empty_file(name)
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise InputError(
                f"CSV 文件 {name} 没有工作表 {sheet!r} / CSV file {name} has no sheets"
            )
        headers, frame, problems = _read_csv(path)
        if name.lower().endswith(REJECTS_SUFFIX):
            frame = unguard(frame)
        return TextTable(name, None, headers, frame, tuple(problems))
    xlsx = _read_xlsx(path, sheet)
    return TextTable(
        name, xlsx.sheet, xlsx.headers, xlsx.frame, numbers=xlsx.numbers, notes=xlsx.notes
    )


def unguard(frame: pl.DataFrame) -> pl.DataFrame:
    """A rejects file's cells without the single quote its writer put before a text that a
    spreadsheet would read as a formula (``'=1`` → ``=1``)."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_GUARDED)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c))
        for c in frame.columns
        if c != ROW
    )


def unique_names(headers: list[str]) -> list[str]:
    """Column names for a header row: as written, a repeat gets `` (2)``, a blank its position.

    Polars needs unique names; the header row as written is kept beside the frame.
    """
    seen: set[str] = set()
    names: list[str] = []
    for position, header in enumerate(headers, start=1):
        base = header if header.strip() else f"(列{position} / column {position})"
        candidate, count = base, 1
        while candidate in seen or candidate == ROW:
            count += 1
            candidate = f"{base} ({count})"
        seen.add(candidate)
        names.append(candidate)
    return names


# --- CSV -----------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[tuple[str, ...], pl.DataFrame, list[RowProblem]]:
    name = path.name
    # The usual system export: UTF-8 without quotes, every line with the header's commas.
    # Counted on the bytes, then polars reads it as it is (and checks it is UTF-8 as it goes).
    text_head = _head_text(path, "utf-8-sig")
    if text_head is not None:
        header = _first_record(text_head)
        if not _has_header(header):
            if _is_utf8(path):
                raise _no_header(name)
        else:
            assert header is not None
            _check_width(name, header)
            if is_plain(count_bytes(_chunks(path)), len(header)):
                try:
                    return tuple(header), _csv_frame(name, path, header), []
                except _NotPlain:
                    pass
    # Anything else (quotes, ragged rows, blank lines, GB18030, invalid bytes) line by line.
    text, bad_rows = _decode(path.read_bytes())
    header = _first_record(text[:65536])
    if not _has_header(header):
        raise _no_header(name)
    assert header is not None
    _check_width(name, header)
    header_lines = _header_lines(text)
    if any(row <= header_lines for row in bad_rows):
        # Which column is which cannot be told: the whole file is refused, not its rows.
        raise InputError(
            f"文件 {name} 的表头(第 1 行)含有无法识别的字节(既不是 UTF-8 也不是 GB18030 文本),"
            f"请改正表头 / the header (row 1) of {name} holds bytes that are neither UTF-8 nor "
            "GB18030 text; correct the header"
        )
    rows = read_lines(text, unique_names(header), header_lines=header_lines, bad_rows=bad_rows)
    return tuple(header), rows.frame, rows.problems


def _check_width(name: str, header: list[str]) -> None:
    """No entity has near :data:`MAX_COLUMNS` columns; a wider file is refused before its rows
    are read (each column costs every row a conversion)."""
    if len(header) > MAX_COLUMNS:
        raise InputError(
            f"文件 {name} 的表头有 {len(header):,} 列,最多 {MAX_COLUMNS} 列 / the header of "
            f"{name} has {len(header):,} columns; at most {MAX_COLUMNS}"
        )


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _decode(data: bytes) -> tuple[str, frozenset[int]]:
    """The file as text: UTF-8 (with or without BOM), else GB18030 (Excel on Chinese Windows
    saves CSV so), else line by line in whichever of the two reads more lines, with the rows
    that neither reads (their bytes replaced) in the set returned."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), frozenset()
        except UnicodeDecodeError:
            pass
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    lines = data.split(b"\n")
    failed: dict[str, set[int]] = {"utf-8": set(), "gb18030": set()}
    for encoding, rows in failed.items():
        for row, line in enumerate(lines, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                rows.add(row)
    encoding = min(failed, key=lambda e: len(failed[e]))
    return data.decode(encoding, errors="replace"), frozenset(failed[encoding])


def _header_lines(text: str) -> int:
    """How many lines the header record spans (1 unless a quoted header holds a line break)."""
    reader = csv.reader(io.StringIO(text[:65536]))
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return 1
    return max(reader.line_num, 1)


class _NotPlain(Exception):
    """Polars could not read the file as it is (not UTF-8, a row with more cells)."""


def _has_header(header: list[str] | None) -> bool:
    return header is not None and any(cell.strip() for cell in header)


def _no_header(name: str) -> InputError:
    return InputError(f"文件 {name} 第 1 行应为表头 / file {name} has no header in row 1")


def _empty_file(name: str) -> InputError:
    return InputError(f"文件 {name} 为空 / file {name} is empty")


def _csv_frame(name: str, source: Path, header: list[str]) -> pl.DataFrame:
    """The data rows of a plain file as text; raises :class:`_NotPlain` when polars cannot."""
    names = unique_names(header)
    try:
        frame = pl.read_csv(
            source,
            has_header=False,
            skip_rows=0,
            infer_schema=False,
            new_columns=names,
            raise_if_empty=True,
            row_index_name=ROW,
            row_index_offset=1,
        )
    except pl.exceptions.ComputeError as exc:
        raise _NotPlain from exc
    except pl.exceptions.NoDataError as exc:
        raise _empty_file(name) from exc
    if frame.width - 1 != len(names):
        raise _NotPlain
    # Row 1 is the header as polars read it; data rows are 2, 3, ...
    return frame.slice(1).select([*names, pl.col(ROW).cast(pl.Int64)])


def _is_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8, checked in chunks so memory stays small."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _head_text(path: Path, encoding: str) -> str | None:
    """The first characters of the file, None when they are not text in ``encoding``."""
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            return handle.read(65536)
    except UnicodeDecodeError:
        return None


def _first_record(text: str) -> list[str] | None:
    """The header row as the csv module reads it (keeps duplicates and blanks as written)."""
    if not text or text.startswith(("\n", "\r")):
        return None
    try:
        return next(csv.reader(io.StringIO(text)))
    except (StopIteration, csv.Error):
        return None


# --- XLSX ----------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet: str | None) -> XlsxTable:
    name = path.name
    # The workbook is scanned first (sheets, limits, number cells): the reader allocates
    # whatever the file asks for as soon as it opens it (shared strings) or loads a sheet.
    scan, sheet, notes = _scan(path, sheet)
    try:
        reader = fastexcel.read_excel(path)
    except fastexcel.FastExcelError as exc:
        raise InputError(
            f"无法读取 XLSX 文件 {name} / cannot read XLSX file {name}: {_first_line(exc)}"
        ) from exc
    try:
        # header_row=None with skip_rows=0 keeps leading empty rows, so index + 1 is the row
        # number Excel shows; dtypes="string" gives the canonical text of typed cells.
        loaded = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
        grid = loaded.to_polars()
    except fastexcel.FastExcelError as exc:
        raise InputError(
            f"无法读取 XLSX 文件 {name} 的工作表 {sheet!r} / "
            f"cannot read sheet {sheet!r} of {name}: {_first_line(exc)}"
        ) from exc
    if grid.width == 0 or grid.height == 0:
        raise _empty_sheet(name, sheet)
    grid = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    cells = [c for c in grid.columns if c != ROW]
    filled = grid.filter(_any_filled(cells))
    if filled.height == 0:
        raise _empty_sheet(name, sheet)
    # The first filled row is the header; rows above it are empty, so numbering stays Excel's.
    header_row = filled.row(0, named=True)
    header = [(header_row[c] or "") for c in cells]
    names = unique_names(header)
    frame = grid.filter(pl.col(ROW) > header_row[ROW]).select(
        [*(pl.col(c).alias(n) for c, n in zip(cells, names, strict=True)), ROW]
    )
    numbers = _number_cells(scan, frame, names)
    return XlsxTable(sheet, tuple(header), frame, numbers, tuple(notes))


@dataclass(frozen=True)
class XlsxTable:
    sheet: str
    headers: tuple[str, ...]
    frame: pl.DataFrame
    numbers: pl.DataFrame | None
    notes: tuple[str, ...]


def _scan(path: Path, sheet: str | None) -> tuple[SheetScan, str, list[str]]:
    """The sheet to read (the named one, else the first visible one, with a note when a hidden
    one comes first) and its scan; the limits are checked here, before any cell is loaded."""
    name = path.name
    notes: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            book = read_book(archive)
            if book is None:
                # Its cells cannot be checked before loading: not loaded (Excel, WPS and
                # LibreOffice all write the parts where this looks for them).
                raise InputError(
                    f"文件 {name} 的结构不是常见的 XLSX,无法先检查其大小,请用 Excel 另存后重新"
                    f"导入 / {name} is not laid out as XLSX files usually are, so its size "
                    "cannot be checked before loading; save it again from Excel and import it"
                )
            sheets = [s.name for s in book.sheets]
            if not sheets:
                raise InputError(f"文件 {name} 没有工作表 / file {name} has no sheets")
            if sheet is None:
                sheet, notes = _first_visible(name, book)
            entry = book.sheet(sheet)
            if entry is None:
                listed = ", ".join(sheets)
                raise InputError(
                    f"文件 {name} 中没有工作表 {sheet!r},现有:{listed} / "
                    f"file {name} has no sheet {sheet!r}; sheets: {listed}"
                )
            if entry.part is None or entry.part not in archive.namelist():
                raise InputError(
                    f"文件 {name} 的工作表 {sheet!r} 的内容缺失 / the content of sheet "
                    f"{sheet!r} of {name} is missing"
                )
            return scan_sheet(archive, book, entry.part, file=name, sheet=sheet), sheet, notes
    except (zipfile.BadZipFile, OSError, XmlRefused, expat.ExpatError) as exc:
        raise InputError(
            f"无法读取 XLSX 文件 {name} / cannot read XLSX file {name}: {exc}"
        ) from None


def _first_visible(name: str, book: Book) -> tuple[str, list[str]]:
    visible = [s.name for s in book.sheets if s.visible]
    first = book.sheets[0].name
    if not visible or visible[0] == first:
        # No visible sheet at all (Excel never saves one so): the first, as before.
        return first, []
    chosen = visible[0]
    return chosen, [
        f"文件 {name} 的第一个工作表 {first!r} 是隐藏的,已跳过,读取的是可见的工作表 "
        f"{chosen!r};要读取其他工作表请指定工作表名(--sheet)/ the first sheet {first!r} of "
        f"{name} is hidden and was skipped; the visible sheet {chosen!r} was read (name a "
        "sheet, --sheet, to read another)"
    ]


def _number_cells(scan: SheetScan, frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """The number cells of note under the frame's column names (see ``xlsx_extent``), only
    those of the data rows whose text is where the scan says (the grid starts at the leftmost
    column holding a value)."""
    found = scan.numbers
    notes = pl.DataFrame(
        {
            ROW: found.rows,
            "_index": [column - scan.first_column for column in found.columns],
            "shown": found.shown,
            "rounded": found.rounded,
        },
        schema={ROW: pl.Int64, "_index": pl.Int64, "shown": pl.String, "rounded": pl.Boolean},
    ).filter(pl.col("_index").is_between(0, len(names) - 1))
    if notes.height == 0:
        return notes.select(ROW, pl.lit(None, pl.String).alias("column"), "shown", "rounded")
    index = pl.DataFrame({"_index": range(len(names)), "column": names})
    return (
        notes.join(index, on="_index", how="inner")
        .join(frame.select(ROW), on=ROW, how="semi")
        .select(ROW, "column", "shown", "rounded")
        .sort(ROW, "column")
    )


def _empty_sheet(name: str, sheet: str) -> InputError:
    return InputError(f"文件 {name} 的工作表 {sheet!r} 为空 / sheet {sheet!r} of {name} is empty")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# --- shared --------------------------------------------------------------------------------


def _any_filled(columns: list[str]) -> pl.Expr:
    if not columns:
        return pl.lit(False)
    return pl.any_horizontal(
        [pl.col(c).str.strip_chars().str.len_bytes().fill_null(0) > 0 for c in columns]
    )
