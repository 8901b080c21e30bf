"""sla-PERIOD.csv and sla-PERIOD.xlsx: the columns and values of CONTRACT.md, formula-safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from payroll_export import ExportError
from payroll_export.service_levels import write_service_levels
from scoring.service_levels import ServiceLevels, evaluate
from tests.test_evaluate_builders import ZONE, World, calendar, standard

CHECK_HEADINGS = [
    "period",
    "check",
    "record_id",
    "job_id",
    "team_id",
    "dealer_id",
    "due_date",
    "done_at",
    "status",
]


def levels() -> ServiceLevels:
    world = World.basic()
    world.team("=T2", "D1")  # a team id that looks like a formula
    world.installer("I4", team="=T2")
    world.job("J1", {"I1": "0.5", "I4": "0.5"}, completed="2025-10-05 10:00")
    world.job("J2", completed="2025-10-20 09:00")
    world.revisit("R1", "J1", "2025-10-06 10:30")
    world.complaint(
        "C1", "J2", responsibility="product", received="2025-10-21 10:00", resolved=None
    )
    return evaluate(
        standard(),
        world.frames(),
        period="2025-10",
        as_of=dt.date(2025, 11, 20),
        zone=ZONE,
        calendar=calendar(),
    )


def test_the_csv_is_utf8_with_bom_and_holds_the_checks(tmp_path: Path) -> None:
    files = write_service_levels(levels(), tmp_path)
    assert files.csv == tmp_path / "sla-2025-10.csv"
    raw = files.csv.read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == CHECK_HEADINGS
    assert table[1:] == [
        [
            "2025-10",
            "revisit",
            "J1",
            "J1",
            "'=T2",
            "D1",
            "2025-11-04",
            "2025-10-06T10:30:00+08:00",
            "met",
        ],
        [
            "2025-10",
            "revisit",
            "J1",
            "J1",
            "T1",
            "D1",
            "2025-11-04",
            "2025-10-06T10:30:00+08:00",
            "met",
        ],
        ["2025-10", "revisit", "J2", "J2", "T1", "D1", "2025-11-19", "", "breached"],
        ["2025-10", "escalation", "C1", "J2", "T1", "D1", "2025-10-21", "", "breached"],
    ]


def test_the_workbook_has_checks_and_by_team(tmp_path: Path) -> None:
    files = write_service_levels(levels(), tmp_path)
    assert files.sheets == ("checks", "by_team")
    book = openpyxl.load_workbook(files.xlsx)
    assert book.sheetnames == ["checks", "by_team"]
    checks = list(book["checks"].iter_rows(values_only=True))
    assert list(checks[0]) == CHECK_HEADINGS
    assert checks[1] == (
        "2025-10",
        "revisit",
        "J1",
        "J1",
        "=T2",
        "D1",
        "2025-11-04",
        "2025-10-06T10:30:00+08:00",
        "met",
    )
    cell = book["checks"]["E2"]
    assert cell.data_type == "s"  # text, never a formula
    assert checks[3][7] is None and checks[3][8] == "breached"
    by_team = list(book["by_team"].iter_rows(values_only=True))
    assert list(by_team[0]) == [
        "period",
        "dealer_id",
        "team_id",
        "check",
        "met",
        "breached",
        "pending",
        "checks",
        "share_met",
    ]
    assert by_team[1:] == [
        ("2025-10", "D1", "=T2", "revisit", 1, 0, 0, 1, 1),
        ("2025-10", "D1", "T1", "revisit", 1, 1, 0, 2, 0.5),
        ("2025-10", "D1", "T1", "escalation", 0, 1, 0, 1, 0),
    ]
    assert book["by_team"]["I3"].number_format == "0.000"


def test_chinese_headings_and_a_bad_language(tmp_path: Path) -> None:
    files = write_service_levels(levels(), tmp_path, headings="zh")
    header = files.csv.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("期间,检查项,记录编号,工单号")
    with pytest.raises(ExportError):
        write_service_levels(levels(), tmp_path / "x", headings="fr")  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()
