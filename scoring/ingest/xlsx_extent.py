"""How far a worksheet's cells reach, read from the file before any cell is loaded.

A reader that loads a sheet allocates its whole used range: one stray cell at XFD1048576 in
a 5 KB file asks for 17 billion cells and kills the process. So the sheet's XML is streamed
first (bounded memory, no cell kept) and its extent checked against :data:`MAX_COLUMNS` and
:data:`MAX_CELLS`; a sheet beyond them is refused with where its farthest cell is.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import iterparse

from scoring.errors import InputError

#: No input entity has near this many columns; a sheet wider than this has stray cells.
MAX_COLUMNS = 256
#: Rows × columns of the used range a sheet may have (a national month's jobs fit easily).
MAX_CELLS = 60_000_000

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


@dataclass(frozen=True)
class Extent:
    rows: int
    columns: int
    farthest: str


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    with archive.open("xl/workbook.xml") as handle:
        target_id = None
        for _event, element in iterparse(handle):
            if element.tag == f"{_MAIN}sheet" and element.get("name") == sheet:
                target_id = element.get(f"{_REL}id")
                break
    if target_id is None:
        return None
    with archive.open("xl/_rels/workbook.xml.rels") as handle:
        for _event, element in iterparse(handle):
            if element.tag == f"{_PKG}Relationship" and element.get("Id") == target_id:
                target = element.get("Target") or ""
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join("xl", target))
    return None


def sheet_extent(path: Path, sheet: str) -> Extent | None:
    """The used range of ``sheet`` by its cells' references (None when it cannot be told)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None or part not in archive.namelist():
                return None
            rows = columns = 0
            farthest = "A1"
            with archive.open(part) as handle:
                for _event, element in iterparse(handle):
                    if element.tag == f"{_MAIN}c":
                        match = _REF.fullmatch(element.get("r") or "")
                        if match is not None:
                            column = column_number(match.group(1))
                            row = int(match.group(2))
                            if column > columns or row > rows:
                                farthest = match.group(0)
                            columns = max(columns, column)
                            rows = max(rows, row)
                    element.clear()
            return Extent(rows, columns, farthest)
    except (zipfile.BadZipFile, KeyError, SyntaxError, OSError):
        return None  # the reader says what is wrong with the file


def check_extent(path: Path, sheet: str) -> None:
    """:class:`InputError` for a sheet whose used range is beyond what can be loaded."""
    found = sheet_extent(path, sheet)
    if found is None:
        return
    if found.columns > MAX_COLUMNS or found.rows * found.columns > MAX_CELLS:
        raise InputError(
            f"文件 {path.name} 的工作表 {sheet!r} 有单元格远在数据之外(最远到 {found.farthest},"
            f"共 {found.columns} 列 × {found.rows} 行),请删除多余的单元格后重新导入 / sheet "
            f"{sheet!r} of {path.name} has cells far outside its data (as far as "
            f"{found.farthest}: {found.columns} columns × {found.rows} rows); delete the stray "
            "cells and import it again"
        )
