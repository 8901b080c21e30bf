"""A stray far cell in an XLSX is refused with where it is, before any cell is loaded."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from scoring.errors import InputError
from scoring.ingest.source import read_table
from scoring.ingest.xlsx_extent import column_number, sheet_extent


def workbook(path: Path, stray: str | None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "dealers"
    sheet.append(["dealer_id", "name"])
    sheet.append(["D1", "华东家电"])
    if stray is not None:
        sheet[stray] = "x"
    book.save(path)
    return path


def test_a_cell_at_xfd1048576_is_refused_with_its_place(tmp_path: Path) -> None:
    path = workbook(tmp_path / "dealers.xlsx", "XFD1048576")
    assert path.stat().st_size < 20_000
    with pytest.raises(InputError, match="XFD1048576") as caught:
        read_table(path)
    assert "delete the stray cells" in caught.value.message


def test_a_sheet_within_bounds_reads_as_before(tmp_path: Path) -> None:
    path = workbook(tmp_path / "dealers.xlsx", "F30")
    found = sheet_extent(path, "dealers")
    assert found is not None and (found.rows, found.columns, found.farthest) == (30, 6, "F30")
    table = read_table(path)
    assert table is not None


def test_column_letters_count_like_excel() -> None:
    assert [column_number(c) for c in ("A", "Z", "AA", "XFD")] == [1, 26, 27, 16384]
