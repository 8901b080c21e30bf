"""The usual worksheet scanned by regular expressions over its bytes, at the speed of C.

A national file has millions of cells; calling Python for each XML element (expat) costs
several times what loading the sheet does. Excel, WPS, LibreOffice and openpyxl all write a
cell the same way, ``<c r="B7" s="1" t="s"><v>12</v></c>``, so such a sheet is scanned here:
the refs of the cells holding a value give the extent, and only the few cells whose number
could have been rounded by Excel reach Python.

The scan is exact or it gives up (returns False), and the caller then scans with expat. It
gives up on anything it does not understand, so nothing can hide a far cell from it: a cell
tag whose ``r`` is not the first attribute or not a plain reference (``<c>``, ``<c r='B7'``,
``<x:c``, ``r="&#66;7"``), a comment or CDATA section (``<!``), rich text runs (``<r>``, whose
pieces add up to one cell's text), a text run longer than a cell may be, a row longer than
:data:`_CARRY_LIMIT`, or an encoding other than UTF-8. Zero-padded number formats and long
shared strings also go the expat way (:func:`fast_eligible`): they need each cell's style
or string index.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING

from scoring.ingest.xlsx_book import MAX_CELL_CHARS, Book, column_number

if TYPE_CHECKING:
    from scoring.ingest.xlsx_extent import Sheet

_CHUNK = 1 << 24
#: The most bytes kept while looking for the end of a row (a row of 256 full cells fits).
_CARRY_LIMIT = 64 << 20
_ROW_END = b"</row>"
#: Every way a cell element may start; each must be one of ``_PROPER``.
_CELL_STARTS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_PROPER_START = b'<c r="'
_IMPROPER = re.compile(rb'<c r="(?![A-Z]{1,3}[0-9]{1,7}")')
#: A cell with content (not ``<c …/>``): its column letters, and its row.
_VALUED_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"[^>]*(?<!/)>')
_VALUED_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"[^>]*(?<!/)>')
_VALUED = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s>/]")
#: Text runs start after a tag: anchored on ``>``, the search tries each run once.
_LONG_RUN = re.compile(rb">[^<]{%d,}" % (MAX_CELL_CHARS + 1))
#: A number cell whose value may have 16 digits or more (see ``rounded_by_excel``).
_LONG_NUMBER = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?'
    rb"<v>(\s*[-+]?(?:[0-9]{16,}|[0-9.]*[eE]\+?[0-9])[^<]*)</v>"
)
_TYPE = re.compile(rb'\st="([^"]*)"')


def fast_eligible(book: Book) -> bool:
    """Whether a sheet of ``book`` may be scanned here (no style or string lookups needed)."""
    return not book.zero_pad and not book.long_strings


def fast_scan(handle: IO[bytes], sheet: Sheet) -> bool:
    """Scan the sheet's XML into ``sheet``; False when it must be scanned by expat instead
    (``sheet`` is then half filled and must be thrown away). Raises what ``sheet`` raises at
    a limit."""
    carry = b""
    first = True
    while True:
        chunk = handle.read(_CHUNK)
        if first:
            first = False
            head = chunk[:256].lower()
            if b"\x00" in chunk[:4096] or (b"encoding=" in head and b"utf-8" not in head):
                return False
        data = carry + chunk if carry else chunk
        if chunk:
            cut = data.rfind(_ROW_END)
            if cut < 0:
                if len(data) > _CARRY_LIMIT:
                    return False
                carry = data
                continue
            cut += len(_ROW_END)
            piece, carry = data[:cut], data[cut:]
        else:
            piece, carry = data, b""
        if not _scan_piece(piece, sheet):
            return False
        if not chunk:
            return True


def _scan_piece(piece: bytes, sheet: Sheet) -> bool:
    """One piece of whole rows; False to give up."""
    if (
        b"<!" in piece
        or b"<r>" in piece
        or b"<r " in piece
        or (b":c" in piece and _PREFIXED.search(piece))
        or _LONG_RUN.search(piece)
        or _IMPROPER.search(piece)
    ):
        return False
    proper = piece.count(_PROPER_START)
    # Usually every element starting "<c" is a proper cell; else count the cell tags exactly
    # (other elements start with "c" too: col, cfRule, …).
    if piece.count(b"<c") != proper and sum(map(piece.count, _CELL_STARTS)) != proper:
        return False
    letters = set(_VALUED_COLUMNS.findall(piece))
    if not letters:
        return True
    rows = set(_VALUED_ROWS.findall(piece))
    columns = sorted(column_number(x.decode()) for x in letters)
    row = max(int(x) for x in rows)
    if columns[-1] > sheet.columns or row > sheet.rows:
        rows_now, columns_now = max(row, sheet.rows), max(columns[-1], sheet.columns)
        if sheet.fits(rows_now, columns_now):
            sheet.rows, sheet.columns = rows_now, columns_now
        else:  # grow cell by cell, so that the refusal names the cell that went too far
            for far_row, far_column in _farthest(piece, row, columns[-1]):
                sheet.grow(far_row, far_column)
    if sheet.first_column == 0 or columns[0] < sheet.first_column:
        sheet.first_column = columns[0]
    for match in _LONG_NUMBER.finditer(piece):
        kind = _TYPE.search(match.group(3))
        if kind is not None and kind.group(1) != b"n":
            continue
        sheet.note_number(
            int(match.group(2)),
            column_number(match.group(1).decode()),
            None,
            match.group(4).decode("ascii", errors="replace"),
        )
    return True


def _farthest(piece: bytes, row: int, column: int) -> list[tuple[int, int]]:
    """The cells of ``piece`` in its last row or last column (in file order)."""
    found: list[tuple[int, int]] = []
    for match in _VALUED.finditer(piece):
        at_row, at_column = int(match.group(2)), column_number(match.group(1).decode())
        if at_row == row or at_column == column:
            found.append((at_row, at_column))
    return found
