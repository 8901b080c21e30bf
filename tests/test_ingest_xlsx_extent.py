"""A stray far cell in an XLSX is refused with where it is, before any cell is loaded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import openpyxl.styles
import pytest

from scoring.errors import InputError
from scoring.ingest.source import read_table
from scoring.ingest.xlsx_book import read_book
from scoring.ingest.xlsx_extent import column_number, scan_sheet, sheet_extent


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


def _scan_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """The scan of the first sheet by the fast path (when it takes it) and by expat."""
    with zipfile.ZipFile(path) as archive:
        book = read_book(archive)
        assert book is not None
        entry = book.sheets[0]
        assert entry.part is not None
        fast = scan_sheet(archive, book, entry.part, file=path.name, sheet=entry.name)
        monkeypatch.setattr("scoring.ingest.xlsx_extent.fast_eligible", lambda _book: False)
        slow = scan_sheet(archive, book, entry.part, file=path.name, sheet=entry.name)
        monkeypatch.undo()
    return fast, slow


@pytest.mark.parametrize("stray", [None, "F30", "C2"])
def test_the_fast_scan_finds_what_expat_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stray: str | None
) -> None:
    path = workbook(tmp_path / "dealers.xlsx", stray)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.append([123456789012345678, 1.5e20, "=1+1", 3])
    sheet["B1"].font = openpyxl.styles.Font(bold=True)
    book.save(path)
    fast, slow = _scan_both(path, monkeypatch)
    assert fast == slow


def _rewrite_sheet(path: Path, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as src:
        items = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in items:
            if name == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            dst.writestr(name, data)


@pytest.mark.parametrize(
    "far",
    [
        b'<row r="9">' + b'<c t="n"><v>1</v></c>' * 300 + b"</row>",  # no references
        b'<row r="9"><c r=\'XFD9\' t="inlineStr"><is><t>x</t></is></c></row>',  # quotes
        b'<row r="9"><c t="inlineStr" r="XFD9"><is><t>x</t></is></c></row>',  # r not first
        b'<!-- note --><row r="9"><c r="XFD9" t="n"><v>1</v></c></row>',
        b'<row r="9"><c r="&#88;FD9" t="n"><v>1</v></c></row>',  # a character reference
    ],
)
def test_a_far_cell_the_fast_scan_cannot_read_is_still_refused(tmp_path: Path, far: bytes) -> None:
    path = workbook(tmp_path / "dealers.xlsx", None)
    _rewrite_sheet(path, b"</sheetData>", far + b"</sheetData>")
    with pytest.raises(InputError, match="far outside its data"):
        read_table(path)
