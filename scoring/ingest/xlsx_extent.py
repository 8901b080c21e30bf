"""One pass over a worksheet's XML before any cell is loaded: its extent, its limits, and the
number cells whose text a reader would get wrong.

A reader that loads a sheet allocates its whole used range: one stray cell at XFD1048576 in a
5 KB file asks for 17 billion cells and kills the process. So the sheet's XML is streamed
first (expat, bounded memory, no cell kept) and refused, naming the cell, as soon as a cell
holding a value lies beyond :data:`MAX_COLUMNS` or :data:`MAX_ROWS`, the used range exceeds
:data:`MAX_CELLS`, or a cell's text exceeds :data:`~scoring.ingest.xlsx_book.MAX_CELL_CHARS`
(Excel's own limit: such a file was not written by Excel, and its text is never kept here).

The same pass notes the number cells an id column must not take as the reader renders them:

- a number whose cell format pads it with zeros (``00000``): Excel shows ``00123``, the reader
  gives ``123``; the text Excel shows is kept (``shown``);
- a number Excel has already rounded: Excel keeps 15 significant digits, so a number of 16
  digits or more (before the decimal point; beyond 2**53 a binary float cannot even hold every
  integer) is not the id that was typed (``rounded``).

Only cells holding a value count (an empty formatted cell is not loaded by the reader either).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.parsers import expat

from scoring.errors import InputError
from scoring.ingest.xlsx_book import (
    MAX_CELL_CHARS,
    Book,
    XmlRefused,
    column_letters,
    column_number,
    local,
    read_book,
    stream,
)
from scoring.ingest.xlsx_fast import fast_eligible, fast_scan

#: No input entity has near this many columns; a sheet wider than this has stray cells.
MAX_COLUMNS = 256
#: Excel's own row limit: a sheet with more rows was not written by Excel.
MAX_ROWS = 1_048_576
#: Rows × columns of the used range a sheet may have (a national month's jobs fit easily).
MAX_CELLS = 60_000_000
#: Excel keeps this many significant digits of a number.
EXCEL_DIGITS = 15
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)$")
_CACHED = 4096
#: Element names as expat gives them (``namespace}local``) → local name, filled as met.
_TAGS: dict[str, str] = {}
#: Column letters → number, filled as met (a sheet has few distinct columns).
_COLUMNS: dict[str, int] = {}


def _tag(name: str) -> str:
    tag = local(name)
    if len(_TAGS) < _CACHED:
        _TAGS[name] = tag
    return tag


def _column(letters: str) -> int:
    number = column_number(letters.upper())
    if len(_COLUMNS) < _CACHED:
        _COLUMNS[letters] = number
    return number


@dataclass(frozen=True)
class Extent:
    rows: int
    columns: int
    #: The far corner of the used range (a refusal names the cell that went too far).
    farthest: str


@dataclass
class NumberCells:
    """Number cells of note, one entry per cell (Excel's row and column, both 1-based)."""

    rows: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    #: The text Excel shows for a zero-padded number (None when the format does not pad it).
    shown: list[str | None] = field(default_factory=list)
    #: Whether Excel had already rounded the number (16 digits or more).
    rounded: list[bool] = field(default_factory=list)


@dataclass(frozen=True)
class SheetScan:
    extent: Extent
    #: The leftmost column holding a value: where the reader's grid starts (1 = A).
    first_column: int
    numbers: NumberCells


def rounded_by_excel(text: str) -> bool:
    """Whether the number written ``text`` (a ``<v>`` of a number cell) cannot be the number
    that was typed: 16 digits or more before the decimal point. Excel keeps 15 significant
    digits (``123456789012345678`` is stored as ``123456789012345000``), and from 2**53 on a
    binary float cannot even hold every integer. (A number below that with many decimals is
    a computed value's float noise, not an id anyone typed: left alone.)"""
    body = text.strip().lstrip("+-")
    if "e" in body or "E" in body:
        try:
            number = Decimal(body)
        except InvalidOperation:
            return False
        return number.is_finite() and abs(number) >= 10**EXCEL_DIGITS
    whole = body.split(".", 1)[0].lstrip("0")
    return len(whole) > EXCEL_DIGITS and whole.isdigit()


def padded(text: str, digits: int) -> str | None:
    """The text Excel shows for the number ``text`` in a ``0…0`` format of ``digits`` zeros
    (None when it shows the number as the reader does: not a small non-negative integer)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        return None
    if abs(number) >= 10**EXCEL_DIGITS:
        return None
    plain = str(int(number))
    return plain.zfill(digits) if len(plain) < digits else None


class Sheet:
    """What a scan of one sheet found so far, and its limits (:class:`InputError` at the
    first cell beyond them)."""

    def __init__(self, book: Book, *, file: str, sheet: str) -> None:
        self.book = book
        self.where = f"文件 {file} 的工作表 {sheet!r} "
        self.where_en = f"sheet {sheet!r} of {file}"
        self.rows = self.columns = 0
        self.first_column = 0
        self.farthest = "A1"
        self.numbers = NumberCells()

    def result(self) -> SheetScan:
        corner = f"{column_letters(self.columns)}{self.rows}" if self.rows else "A1"
        extent = Extent(self.rows, self.columns, corner)
        return SheetScan(extent, max(self.first_column, 1), self.numbers)

    @staticmethod
    def fits(rows: int, columns: int) -> bool:
        """Whether a used range of ``rows`` × ``columns`` is within the limits."""
        return columns <= MAX_COLUMNS and rows <= MAX_ROWS and rows * columns <= MAX_CELLS

    def grow(self, row: int, column: int) -> None:
        """A cell holding a value at ``row``, ``column`` beyond the extent so far."""
        self.farthest = f"{column_letters(column)}{row}"
        self.columns = max(self.columns, column)
        self.rows = max(self.rows, row)
        if not self.fits(self.rows, self.columns):
            raise InputError(
                f"{self.where}有单元格远在数据之外(最远到 {self.farthest},"
                f"共 {self.columns} 列 × {self.rows} 行),请删除多余的单元格后重新导入 / "
                f"{self.where_en} has cells far outside its data (as far as {self.farthest}: "
                f"{self.columns} columns × {self.rows} rows); delete the stray cells and "
                "import it again"
            )

    def note_number(self, row: int, column: int, style: int | None, text: str) -> None:
        digits = self.book.zero_pad.get(style) if style is not None else None
        shown = padded(text, digits) if digits else None
        rounded = rounded_by_excel(text)
        if shown is not None or rounded:
            self.numbers.rows.append(row)
            self.numbers.columns.append(column)
            self.numbers.shown.append(shown)
            self.numbers.rounded.append(rounded)

    def refuse_long(self, row: int, column: int) -> None:
        cell = f"{column_letters(column)}{row}"
        raise InputError(
            f"{self.where}的单元格 {cell} 超过 {MAX_CELL_CHARS:,} 个字符(Excel 单元格的上限),"
            f"文件不是 Excel 保存的或已损坏 / cell {cell} of {self.where_en} holds more than "
            f"{MAX_CELL_CHARS:,} characters (Excel's limit for a cell): the file was not saved "
            "by Excel or is damaged"
        )


class _Expat:
    """The general way: expat handlers over any well-formed sheet.

    Only the start of an element is handled (expat's calls per element are most of the cost):
    a cell is closed when the next cell, row or other element starts, or at the end.
    """

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.row = 0
        self.column = 0
        self.in_cell = False
        self.kind: str | None = None
        self.style: int | None = None
        self.valued = False
        self.reading = False  # inside <v> or an inline <t>
        self.value: list[str] = []
        self.length = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _TAGS.get(name) or _tag(name)
        if tag == "c":
            if self.in_cell:
                self.close_cell()
            self._open_cell(attrs)
        elif tag == "v" or tag == "t":
            if self.in_cell:
                self.valued = True
                self.reading = True
        elif tag == "is":
            self.valued = self.in_cell
        elif tag == "f" or tag == "rPh":
            self.reading = False
        elif tag != "r":  # anything else ends a cell: the next row, the end of the sheet data
            if self.in_cell:
                self.close_cell()
            if tag == "row":
                given = attrs.get("r", "")
                self.row = int(given) if given.isdigit() else self.row + 1
                self.column = 0

    def _open_cell(self, attrs: dict[str, str]) -> None:
        self.in_cell = True
        match = _REF.match(attrs.get("r", ""))
        if match is not None:
            letters = match.group(1)
            self.column = _COLUMNS.get(letters) or _column(letters)
            self.row = int(match.group(2))
        else:  # a cell without its reference is the next one of the row
            self.column += 1
        self.kind = attrs.get("t")
        style = attrs.get("s")
        self.style = int(style) if style and style.isdigit() else None
        self.valued = False
        self.reading = False
        self.value = []
        self.length = 0

    def chars(self, text: str) -> None:
        if not self.reading:
            return
        self.length += len(text)
        if self.length > MAX_CELL_CHARS:
            self.sheet.refuse_long(self.row, self.column)
        self.value.append(text)

    def close_cell(self) -> None:
        self.in_cell = False
        self.reading = False
        if not self.valued:
            return
        sheet, row, column = self.sheet, self.row, self.column
        if column > sheet.columns or row > sheet.rows:
            sheet.grow(row, column)
        if column < sheet.first_column or sheet.first_column == 0:
            sheet.first_column = column
        kind = self.kind
        if kind is None or kind == "n":
            sheet.note_number(row, column, self.style, "".join(self.value).strip())
        elif kind == "s" and sheet.book.long_strings:
            text = "".join(self.value).strip()
            if text.isdigit() and int(text) in sheet.book.long_strings:
                sheet.refuse_long(row, column)


def scan_sheet(
    archive: zipfile.ZipFile, book: Book, part: str, *, file: str, sheet: str
) -> SheetScan:
    """Stream the sheet ``part``; :class:`InputError` naming file, sheet and cell at a limit.

    The usual sheet (as Excel, WPS, LibreOffice and openpyxl write it) is scanned by regular
    expressions over its bytes (:mod:`scoring.ingest.xlsx_fast`); any other by expat.
    """
    if fast_eligible(book):
        found = Sheet(book, file=file, sheet=sheet)
        with archive.open(part) as handle:
            if fast_scan(handle, found):
                return found.result()
    found = Sheet(book, file=file, sheet=sheet)
    scanner = _Expat(found)
    try:
        with archive.open(part) as handle:
            stream(handle, scanner.start, None, scanner.chars)
        if scanner.in_cell:
            scanner.close_cell()
    except (XmlRefused, expat.ExpatError) as exc:
        raise InputError(
            f"文件 {file} 的工作表 {sheet!r} 不是有效的 XLSX 内容 / sheet {sheet!r} of {file} "
            f"is not valid XLSX content: {exc}"
        ) from None
    return found.result()


def sheet_extent(path: Path, sheet: str) -> Extent | None:
    """The used range of ``sheet`` by its cells' references (None when it cannot be told)."""
    try:
        with zipfile.ZipFile(path) as archive:
            book = read_book(archive)
            entry = book.sheet(sheet) if book is not None else None
            if book is None or entry is None or entry.part is None:
                return None
            return scan_sheet(archive, book, entry.part, file=path.name, sheet=sheet).extent
    except (zipfile.BadZipFile, KeyError, OSError, XmlRefused, expat.ExpatError):
        return None


__all__ = ["Extent", "SheetScan", "column_letters", "column_number", "scan_sheet", "sheet_extent"]
