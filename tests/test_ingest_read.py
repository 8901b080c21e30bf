"""Reading files: encodings, headers, XLSX typed cells, unknown columns, unreadable files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.entities import BY_NAME, INSTALLERS, JOBS, SURVEYS
from scoring.errors import InputError
from scoring.ingest import ERROR_COLUMN, detect_entity, read_file

ZONE = ZoneInfo("Asia/Shanghai")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SURVEYS_EN = (
    "survey_id,job_id,surveyed_at,channel,overall,attitude,punctuality,professionalism,"
    "cleanliness,promise_kept,comment,Store Note\n"
    "S1,1001,2025-10-12 14:30:00,phone,5,4,3,2,1,true,很好,A\n"
    "S2,J2,2025-10-13 00:00:00,wechat,4,,,,,false,,\n"
)


def test_english_csv_gives_typed_frame(tmp_path: Path) -> None:
    parsed = read_file(write(tmp_path / "surveys.csv", SURVEYS_EN), SURVEYS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.frame.schema == pl.Schema([*SURVEYS.schema.items(), ("_row", pl.Int64())])
    first = parsed.frame.row(0, named=True)
    assert first["survey_id"] == "S1"
    assert first["overall"] == 5 and first["cleanliness"] == 1
    assert first["promise_kept"] is True
    assert first["surveyed_at"] == dt.datetime(2025, 10, 12, 6, 30, tzinfo=dt.UTC)
    assert first["extra"] == '{"Store Note":"A"}'
    assert parsed.frame["_row"].to_list() == [2, 3]
    assert parsed.frame["extra"].to_list()[1] is None
    assert parsed.columns["Store Note"] == "extra"
    assert parsed.columns["survey_id"] == "survey_id"
    assert parsed.sheet is None and parsed.source == "surveys.csv"
    assert parsed.rejected.height == 0


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", ""), ("utf-8", "\ufeff"), ("gb18030", "")])
def test_encodings_give_the_same_frame(tmp_path: Path, encoding: str, bom: str) -> None:
    reference = read_file(write(tmp_path / "ref.csv", SURVEYS_EN), SURVEYS, zone=ZONE)
    other = read_file(write(tmp_path / "x.csv", bom + SURVEYS_EN, encoding), SURVEYS, zone=ZONE)
    assert_frame_equal(other.frame, reference.frame)
    assert other.problems == []


def test_gb18030_chinese_headers_and_labels(tmp_path: Path) -> None:
    text = "问卷编号,工单号,回访时间,综合评分,渠道\nS1,J1,2025-10-12 14:30,非常满意,电话\n"
    parsed = read_file(write(tmp_path / "问卷.csv", text, "gb18030"), SURVEYS, zone=ZONE)
    assert parsed.problems == []
    row = parsed.frame.row(0, named=True)
    assert (row["overall"], row["channel"]) == (5, "phone")


def test_headers_any_case_spaces_and_order(tmp_path: Path) -> None:
    text = " Overall ,JOB_ID,  Survey_Id,SurveyED_AT\n3,J1,S1,2025-10-12\n"
    parsed = read_file(write(tmp_path / "s.csv", text), SURVEYS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.columns == {
        " Overall ": "overall",
        "JOB_ID": "job_id",
        "  Survey_Id": "survey_id",
        "SurveyED_AT": "surveyed_at",
    }
    assert parsed.frame["overall"].to_list() == [3]
    # Optional columns that are absent are null columns of the right type.
    assert parsed.frame["attitude"].dtype == pl.Int8
    assert parsed.frame["attitude"].to_list() == [None]


def test_missing_required_column_rejects_every_row(tmp_path: Path) -> None:
    text = "survey_id,job_id,surveyed_at\nS1,J1,2025-10-12\nS2,J2,bad\n"
    parsed = read_file(write(tmp_path / "s.csv", text), SURVEYS, zone=ZONE)
    assert parsed.frame.height == 0
    assert parsed.rejected["_row"].to_list() == [2, 3]
    file_level = [p for p in parsed.problems if p.row is None]
    assert len(file_level) == 1
    assert file_level[0].column is None
    assert "缺少必需的列「综合评分」" in file_level[0].reason
    assert "missing required column overall" in file_level[0].reason
    # Value problems of the rows are still reported.
    assert [(p.row, p.column) for p in parsed.problems if p.row] == [(3, "surveyed_at")]


def test_two_columns_for_one_field_is_a_file_problem(tmp_path: Path) -> None:
    text = "survey_id,job_id,工单号,surveyed_at,overall\nS1,J1,J1,2025-10-12,5\n"
    parsed = read_file(write(tmp_path / "s.csv", text), SURVEYS, zone=ZONE)
    assert parsed.frame.height == 0 and parsed.rejected.height == 1
    (problem,) = parsed.problems
    assert problem.row is None and problem.column == "工单号"
    assert "duplicate column" in problem.reason and "job_id" in problem.reason
    # The rejected frame keeps both columns, made unique; the header row is kept as written.
    assert parsed.headers == ("survey_id", "job_id", "工单号", "surveyed_at", "overall")


def test_repeated_unknown_header_is_a_file_problem(tmp_path: Path) -> None:
    text = "survey_id,job_id,surveyed_at,overall,备注,备注\nS1,J1,2025-10-12,5,a,b\n"
    parsed = read_file(write(tmp_path / "s.csv", text), SURVEYS, zone=ZONE)
    (problem,) = parsed.problems
    assert problem.row is None and "duplicate column header" in problem.reason
    assert parsed.rejected.columns == [
        "survey_id",
        "job_id",
        "surveyed_at",
        "overall",
        "备注",
        "备注 (2)",
        "_row",
    ]


def test_unknown_columns_kept_in_extra_as_json(tmp_path: Path) -> None:
    text = (
        'survey_id,job_id,surveyed_at,overall,门店,"区 域"\n'
        "S1,J1,2025-10-12,5, 北京 ,\n"
        "S2,J1,2025-10-12,5,,\n"
    )
    parsed = read_file(write(tmp_path / "s.csv", text), SURVEYS, zone=ZONE)
    assert parsed.frame["extra"].to_list() == ['{"门店":"北京","区 域":null}', None]
    assert parsed.columns["门店"] == "extra"


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path: Path) -> None:
    text = "survey_id,job_id,surveyed_at,overall\n\nS1,J1,2025-10-12,5\n , ,,\nS2,J1,2025-10-12,x\n"
    parsed = read_file(write(tmp_path / "s.csv", text), SURVEYS, zone=ZONE)
    assert parsed.frame["_row"].to_list() == [3]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(5, "overall", "x")]
    assert parsed.rejected["_row"].to_list() == [5]


def test_header_only_file_is_empty_not_an_error(tmp_path: Path) -> None:
    parsed = read_file(
        write(tmp_path / "s.csv", "survey_id,job_id,surveyed_at,overall\n"), SURVEYS, zone=ZONE
    )
    assert parsed.frame.height == 0 and parsed.problems == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("surveys.csv", None, "file not found"),
        ("surveys.txt", "a", "unsupported file type"),
        ("surveys.xls", "a", "unsupported file type"),
        ("surveys.csv", "", "is empty"),
        ("surveys.csv", "\n\nS1,J1\n", "no header"),
        ("surveys.csv", ",,\nS1,J1,x\n", "no header"),
        ("surveys.xlsx", "not a zip", "cannot read XLSX file"),
    ],
)
def test_unreadable_files_raise_input_error(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        write(path, content)
    with pytest.raises(InputError) as caught:
        read_file(path, SURVEYS, zone=ZONE)
    assert message in str(caught.value)
    assert name in str(caught.value)


def test_not_utf8_nor_gb18030_rejects_that_row(tmp_path: Path) -> None:
    # Once the whole file was refused without saying where; now the row is named (issue 16).
    path = tmp_path / "s.csv"
    path.write_bytes(b"survey_id\n\x80\x80\xff\n")
    parsed = read_file(path, SURVEYS, zone=ZONE)
    assert [p.row for p in parsed.problems if "neither UTF-8 nor GB18030" in p.reason] == [2]
    assert parsed.rejected["_row"].to_list() == [2]


def test_unknown_sheet_names_the_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "问卷"
    book.active.append(["survey_id"])
    book.save(tmp_path / "s.xlsx")
    with pytest.raises(InputError, match="has no sheet 'other'; sheets: 问卷"):
        read_file(tmp_path / "s.xlsx", SURVEYS, zone=ZONE, sheet="other")
    with pytest.raises(InputError, match="has no sheets"):
        read_file(write(tmp_path / "s.csv", "survey_id\n"), SURVEYS, zone=ZONE, sheet="x")


def test_empty_sheet(tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "s.xlsx")
    with pytest.raises(InputError, match="is empty"):
        read_file(tmp_path / "s.xlsx", SURVEYS, zone=ZONE)


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("surveys.csv", "surveys"),
        ("满意度回访问卷.xlsx", "surveys"),
        ("Jobs.CSV", "jobs"),
        ("工单.xlsx", "jobs"),
        ("网点.csv", "teams"),
        ("jobs.rejected.csv", "jobs"),
        ("投诉处理单.rejected.csv", "complaints"),
    ],
)
def test_detect_entity(name: str, entity: str) -> None:
    assert detect_entity(Path(name)) is BY_NAME[entity]


def test_detect_entity_unknown() -> None:
    assert detect_entity(Path("payroll.csv")) is None


# --- XLSX ------------------------------------------------------------------------------------

JOBS_CSV = (
    "job_id,installer_ids,service_type,product_category,created_at,appointment_start,"
    "appointment_end,arrived_at,completed_at,promised_days,备注\n"
    "1001,I001,install,sofa,2025-10-12 14:30:00,2025-10-13 09:00:00,2025-10-13 11:00:00,"
    "2025-10-13 09:10:00,2025-10-13 10:45:30,3,x\n"
    "J2,I001:0.6;I002:0.4,repair,,2025-10-12 08:00:00,,,,,,\n"
)


def test_xlsx_with_chinese_headers_typed_cells_equals_english_csv(tmp_path: Path) -> None:
    csv_parsed = read_file(write(tmp_path / "jobs.csv", JOBS_CSV), JOBS, zone=ZONE)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "工单"
    sheet.append([f.alias for f in JOBS.fields] + ["备注"])
    sheet.append(
        [
            1001,  # an id typed as a number
            "I001",
            "安装",
            "sofa",
            dt.datetime(2025, 10, 12, 14, 30),
            dt.datetime(2025, 10, 13, 9, 0),
            dt.datetime(2025, 10, 13, 11, 0),
            dt.datetime(2025, 10, 13, 9, 10),
            dt.datetime(2025, 10, 13, 10, 45, 30),
            3.0,  # an integer typed as a float
            "x",
        ]
    )
    sheet.append(
        [
            "J2",
            "I001：0.6；I002：0.4",
            "维修",
            None,
            dt.datetime(2025, 10, 12, 8),
            None,
            None,
            None,
            None,
            None,
            None,
        ]
    )
    book.save(tmp_path / "工单.xlsx")
    xlsx_parsed = read_file(tmp_path / "工单.xlsx", JOBS, zone=ZONE)
    assert xlsx_parsed.problems == []
    assert xlsx_parsed.sheet == "工单"
    assert_frame_equal(xlsx_parsed.frame, csv_parsed.frame)
    assert xlsx_parsed.job_installers is not None and csv_parsed.job_installers is not None
    assert_frame_equal(xlsx_parsed.job_installers, csv_parsed.job_installers)
    assert xlsx_parsed.frame["job_id"].to_list() == ["1001", "J2"]


def test_xlsx_scores_dates_money_typed_as_excel_values(tmp_path: Path) -> None:
    csv_text = (
        "installer_id,name,team_id,employment,base_monthly_wage,local_min_wage,active_from,active_to\n"
        "7,张三,T1,employee,5200.5,2490,2024-03-01,\n"
    )
    csv_parsed = read_file(write(tmp_path / "installers.csv", csv_text), INSTALLERS, zone=ZONE)
    book = openpyxl.Workbook()
    sheet = book.create_sheet("师傅")
    sheet.append([f.alias for f in INSTALLERS.fields])
    sheet.append([7.0, "张三", "T1", "员工", 5200.5, 2490, dt.date(2024, 3, 1), None])
    book.save(tmp_path / "安装师傅.xlsx")
    xlsx_parsed = read_file(tmp_path / "安装师傅.xlsx", INSTALLERS, zone=ZONE, sheet="师傅")
    assert xlsx_parsed.problems == []
    assert_frame_equal(xlsx_parsed.frame, csv_parsed.frame)
    assert xlsx_parsed.frame["base_monthly_wage_fen"].to_list() == [520050]


def test_xlsx_surveys_scores_as_numbers_and_labels(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["问卷编号", "工单号", "回访时间", "综合评分", "服务态度", "承诺兑现"])
    sheet.append(["S1", "J1", dt.datetime(2025, 10, 12, 14, 30), 5.0, "满意", True])
    sheet.append(["S2", "J1", dt.datetime(2025, 10, 12, 14, 30), 4.5, 2, "否"])
    book.save(tmp_path / "s.xlsx")
    parsed = read_file(tmp_path / "s.xlsx", SURVEYS, zone=ZONE)
    assert parsed.frame.select("overall", "attitude", "promise_kept").rows() == [(5, 4, True)]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(3, "综合评分", "4.5")]
    assert parsed.problems[0].sheet == "Sheet"


def test_xlsx_leading_empty_rows_keep_excel_row_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A3"], sheet["B3"], sheet["C3"], sheet["D3"] = (
        "survey_id",
        "job_id",
        "surveyed_at",
        "overall",
    )
    sheet["A5"], sheet["B5"], sheet["C5"], sheet["D5"] = "S1", "J1", "2025-10-12", "bad"
    book.save(tmp_path / "s.xlsx")
    parsed = read_file(tmp_path / "s.xlsx", SURVEYS, zone=ZONE)
    assert [(p.row, p.column) for p in parsed.problems] == [(5, "overall")]


def test_error_column_of_a_rejects_file_is_ignored(tmp_path: Path) -> None:
    text = f"survey_id,job_id,surveyed_at,overall,{ERROR_COLUMN}\nS1,J1,2025-10-12,5,old reason\n"
    parsed = read_file(write(tmp_path / "surveys.rejected.csv", text), SURVEYS, zone=ZONE)
    assert parsed.problems == []
    assert ERROR_COLUMN not in parsed.columns
    assert parsed.frame["extra"].to_list() == [None]
