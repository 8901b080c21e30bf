"""XLSX as Excel shows it (issue 16): the visible sheet, ids with their leading zeros, ids that
Excel already rounded rejected, and cells beyond Excel's limits refused before loading."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from scoring.entities import INSTALLERS, JOBS
from scoring.errors import InputError
from scoring.importer import import_paths
from scoring.ingest import read_file, source
from scoring.ingest.xlsx_extent import padded, rounded_by_excel
from scoring.ingest.xlsx_numbers import ROUNDED
from scoring.store import open_store
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = ["installer_id", "name", "team_id", "employment"]


def book_of(path: Path, sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def test_a_hidden_first_sheet_is_skipped_with_a_note(tmp_path: Path) -> None:
    path = book_of(
        tmp_path / "installers.xlsx",
        {
            "旧数据": [HEADER, ["I9", "旧人", "T1", "employee"]],
            "本月": [HEADER, ["I1", "张伟", "T1", "employee"]],
        },
        hidden=("旧数据",),
    )
    parsed = read_file(path, INSTALLERS, zone=ZONE)
    assert parsed.sheet == "本月"
    assert parsed.frame["installer_id"].to_list() == ["I1"]
    [note] = parsed.notes
    assert note.row is None and note.source == "installers.xlsx"
    assert "旧数据" in note.reason and "hidden and was skipped" in note.reason
    assert note.reason.index("隐藏") < note.reason.index("hidden")  # zh-CN first


def test_a_named_hidden_sheet_is_read_without_a_note(tmp_path: Path) -> None:
    path = book_of(
        tmp_path / "installers.xlsx",
        {"旧数据": [HEADER, ["I9", "旧人", "T1", "employee"]], "本月": [HEADER]},
        hidden=("旧数据",),
    )
    parsed = read_file(path, INSTALLERS, zone=ZONE, sheet="旧数据")
    assert parsed.frame["installer_id"].to_list() == ["I9"] and parsed.notes == ()


def test_the_import_reports_the_note_and_stores_the_visible_rows(tmp_path: Path) -> None:
    seed = inputs.write(tmp_path / "seed", {k: inputs.ALL[k] for k in ("dealers", "teams")})
    book_of(
        seed / "installers.xlsx",
        {
            "old": [HEADER, ["I9", "旧人", "T1", "employee"]],
            "new": [HEADER, ["I1", "张伟", "T1", "employee"]],
        },
        hidden=("old",),
    )
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = import_paths(
            store, [seed], actor="hr", zone=ZONE, rejects_dir=tmp_path / "rejected"
        )
    outcome = next(f for f in report.files if f.entity == "installers")
    assert (outcome.accepted, outcome.rejected) == (1, 0)
    [note] = report.problems[str(seed / "installers.xlsx")]
    assert "'old'" in note.reason and "'new'" in note.reason


def padded_ids(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "jobs"
    sheet.append(["job_id", "installer_ids", "service_type", "created_at", "promised_days"])
    sheet.append([123, 45, "install", "2025-10-10 09:00", 2])
    sheet.append([7, "I2", "install", "2025-10-10 09:00", 3])
    sheet["A2"].number_format = "00000"
    sheet["A3"].number_format = "000"
    sheet["B2"].number_format = "0000"
    sheet["E2"].number_format = "00"  # not a text field: stays the number 2
    book.save(path)
    return path


def test_numeric_ids_keep_the_leading_zeros_excel_shows(tmp_path: Path) -> None:
    parsed = read_file(padded_ids(tmp_path / "jobs.xlsx"), JOBS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.frame["job_id"].to_list() == ["00123", "007"]
    assert parsed.frame["promised_days"].to_list() == [2, 3]
    assert parsed.job_installers is not None
    assert parsed.job_installers["installer_id"].to_list() == ["0045", "I2"]


@pytest.mark.parametrize("number", [123456789012345678, 1234567890123456, 2**53 + 2, 1.5e20])
def test_an_id_excel_already_rounded_is_rejected_with_the_reason(
    tmp_path: Path, number: float
) -> None:
    path = book_of(
        tmp_path / "installers.xlsx",
        {
            "s": [
                HEADER,
                [123456789012345, "甲", "T1", "employee"],
                [number, "乙", "T1", "employee"],
            ]
        },
    )
    parsed = read_file(path, INSTALLERS, zone=ZONE)
    assert parsed.frame["installer_id"].to_list() == ["123456789012345"]  # 15 digits are kept
    assert parsed.rejected["_row"].to_list() == [3]
    [problem] = parsed.problems
    assert (problem.row, problem.column, problem.sheet) == (3, "installer_id", "s")
    assert problem.reason == ROUNDED and "rounded" in problem.reason


def test_long_numbers_outside_id_fields_are_left_to_their_field(tmp_path: Path) -> None:
    path = book_of(
        tmp_path / "installers.xlsx",
        {"s": [HEADER + ["工牌"], ["I1", "甲", "T1", "employee", 12345678901234567]]},
    )
    parsed = read_file(path, INSTALLERS, zone=ZONE)
    assert parsed.problems == [] and parsed.frame.height == 1


@pytest.mark.parametrize(
    ("text", "rounded"),
    [
        ("123", False),
        ("123456789012345", False),
        ("1234567890123456", True),
        ("1.234567890123457e+17", True),
        ("1.5E+20", True),
        ("0.30000000000000004", False),  # float noise of a computed value, not a typed id
        ("0001234567890123", False),
        ("-12345678901234567", True),
        ("12345.6789", False),
        ("1e3", False),
    ],
)
def test_which_numbers_excel_has_rounded(text: str, rounded: bool) -> None:
    assert rounded_by_excel(text) is rounded


def test_zero_padding_as_excel_shows_it() -> None:
    assert [padded(t, 5) for t in ("123", "123.0", "123456", "1.5", "-3")] == [
        "00123",
        "00123",
        None,
        None,
        None,
    ]


def _rewrite(path: Path, part: str, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            if info.filename == part:
                assert old in data
                data = data.replace(old, new)
            dst.writestr(info.filename, data)


@pytest.fixture
def no_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader must not even open the file: the limits are checked before."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the workbook was opened by the reader")

    monkeypatch.setattr(source.fastexcel, "read_excel", refuse)


def test_a_cell_over_excels_limit_is_refused_before_loading(
    tmp_path: Path, no_loading: None
) -> None:
    path = book_of(tmp_path / "installers.xlsx", {"s": [HEADER, ["I1", "甲", "T1", "employee"]]})
    # openpyxl itself refuses such a cell: write it into the XML as a stray tool would.
    _rewrite(
        path, "xl/worksheets/sheet1.xml", b"<t>\xe7\x94\xb2</t>", b"<t>" + b"x" * 40_000 + b"</t>"
    )
    with pytest.raises(InputError) as caught:
        read_file(path, INSTALLERS, zone=ZONE)
    message = caught.value.message
    assert "B2" in message and "'s'" in message and "installers.xlsx" in message
    assert "32,767" in message and message.index("单元格") < message.index("cell B2")


def test_a_long_shared_string_is_refused_before_loading(tmp_path: Path, no_loading: None) -> None:
    path = tmp_path / "installers.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://x/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://x/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<si><t>installer_id</t></si><si><t>{'y' * 33_000}</t></si></sst>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>',
        )
    with pytest.raises(InputError, match="cell A2 of sheet 's'"):
        read_file(path, INSTALLERS, zone=ZONE)


def test_rows_beyond_the_limit_are_refused_before_loading(
    tmp_path: Path, no_loading: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scoring.ingest.xlsx_extent.MAX_ROWS", 3)
    rows: list[list[Any]] = [HEADER, *([f"I{i}", "甲", "T1", "employee"] for i in range(4))]
    path = book_of(tmp_path / "installers.xlsx", {"s": rows})
    with pytest.raises(InputError, match=r"as far as [A-D]4: 4 columns × 4 rows"):
        read_file(path, INSTALLERS, zone=ZONE)


def test_a_sheet_with_a_document_type_is_refused(tmp_path: Path) -> None:
    path = book_of(tmp_path / "installers.xlsx", {"s": [HEADER]})
    _rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        b"<worksheet",
        b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><worksheet',
    )
    with pytest.raises(InputError, match="not valid XLSX content"):
        read_file(path, INSTALLERS, zone=ZONE)
