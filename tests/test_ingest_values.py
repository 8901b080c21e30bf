"""Values and row rules: every kind of cell, good and bad, with the exact problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from scoring.entities import COMPLAINTS, INSTALLERS, JOBS, REVISITS, SURVEYS, TEAMS
from scoring.errors import Problem
from scoring.ingest import Parsed, read_file

ZONE = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def read(
    tmp_path: Path, entity_name: str, header: str, *rows: str, zone: ZoneInfo = ZONE
) -> Parsed:
    entity = {e.name: e for e in (COMPLAINTS, INSTALLERS, JOBS, REVISITS, SURVEYS, TEAMS)}[
        entity_name
    ]
    path = tmp_path / f"{entity_name}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return read_file(path, entity, zone=zone)


def only(parsed: Parsed) -> Problem:
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


SURVEY_HEADER = "survey_id,job_id,surveyed_at,overall,attitude,promise_kept,channel"


def survey(tmp_path: Path, *rows: str) -> Parsed:
    return read(tmp_path, "surveys", SURVEY_HEADER, *rows)


# --- scores -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("1", 1),
        ("5", 5),
        (" 3 ", 3),
        ("5.0", 5),
        ("非常满意", 5),
        ("满意", 4),
        ("一般", 3),
        ("不满意", 2),
        ("非常不满意", 1),
    ],
)
def test_scores(tmp_path: Path, text: str, score: int) -> None:
    parsed = survey(tmp_path, f"S1,J1,2025-10-12,{text},,,")
    assert parsed.problems == []
    assert parsed.frame["overall"].to_list() == [score]
    assert parsed.frame["overall"].dtype == pl.Int8


@pytest.mark.parametrize("text", ["0", "6", "4.5", "five", "-1", "很满意"])
def test_bad_scores(tmp_path: Path, text: str) -> None:
    parsed = survey(tmp_path, f"S1,J1,2025-10-12,4,{text},,")
    problem = only(parsed)
    assert (problem.row, problem.column, problem.value) == (2, "attitude", text)
    assert problem.reason.startswith("评分须为1–5的整数或满意度标签")
    assert "score must be an integer 1–5 or a satisfaction label" in problem.reason
    assert parsed.frame.height == 0 and parsed.rejected.height == 1


def test_survey_overall_is_required(tmp_path: Path) -> None:
    problem = only(survey(tmp_path, "S1,J1,2025-10-12, ,5,,"))
    assert (problem.row, problem.column, problem.value) == (2, "overall", None)
    assert problem.reason == "必填字段为空 / required value is missing"


# --- booleans and enums ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("是", True),
        ("否", False),
        ("", None),
    ],
)
def test_booleans(tmp_path: Path, text: str, value: bool | None) -> None:
    parsed = survey(tmp_path, f"S1,J1,2025-10-12,4,,{text},")
    assert parsed.problems == []
    assert parsed.frame["promise_kept"].to_list() == [value]


def test_bad_boolean(tmp_path: Path) -> None:
    problem = only(survey(tmp_path, "S1,J1,2025-10-12,4,,maybe,"))
    assert (problem.column, problem.value) == ("promise_kept", "maybe")
    assert "must be one of true/false, yes/no, y/n, 1/0, 是/否" in problem.reason


@pytest.mark.parametrize(
    ("text", "value"),
    [("phone", "phone"), ("PHONE", "phone"), ("短信", "sms"), ("微信", "wechat"), ("App", "app")],
)
def test_enums(tmp_path: Path, text: str, value: str) -> None:
    parsed = survey(tmp_path, f"S1,J1,2025-10-12,4,,,{text}")
    assert parsed.problems == []
    assert parsed.frame["channel"].to_list() == [value]


def test_bad_enum_lists_the_choices(tmp_path: Path) -> None:
    problem = only(survey(tmp_path, "S1,J1,2025-10-12,4,,,email"))
    assert (problem.column, problem.value) == ("channel", "email")
    assert problem.reason == (
        "取值须为以下之一:phone(电话)、sms(短信)、wechat(微信)、app(app) / "
        "must be one of: phone, sms, wechat, app"
    )


def test_team_kind_labels(tmp_path: Path) -> None:
    parsed = read(
        tmp_path,
        "teams",
        "团队编号,团队名称,经销商编号,团队类型",
        "T1,一队,D1,外包",
        "T2,二队,D1,In_House",
    )
    assert parsed.problems == []
    assert parsed.frame["kind"].to_list() == ["outsourced", "in_house"]


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-10-12 14:30", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025-10-12 14:30:00", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025-10-12T14:30:00", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025-10-12T14:30:00+08:00", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025-10-12T14:30:00+0800", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025-10-12T06:30:00Z", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025-10-12T01:30:00-05:00", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025/10/12 14:30", dt.datetime(2025, 10, 12, 6, 30, tzinfo=UTC)),
        ("2025/1/2 9:05", dt.datetime(2025, 1, 2, 1, 5, tzinfo=UTC)),
        ("2025-10-12 14:30:15.123", dt.datetime(2025, 10, 12, 6, 30, 15, 123000, tzinfo=UTC)),
        ("2025-10-12", dt.datetime(2025, 10, 11, 16, 0, tzinfo=UTC)),
    ],
)
def test_timestamps(tmp_path: Path, text: str, utc: dt.datetime) -> None:
    parsed = survey(tmp_path, f"S1,J1,{text},4,,,")
    assert parsed.problems == []
    assert parsed.frame["surveyed_at"].to_list() == [utc]
    assert parsed.frame["surveyed_at"].dtype == pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    "text",
    [
        "2025-13-01 10:00",
        "2025-02-30 10:00",
        "2025-10-12 25:00",
        "12/10/2025 10:00",
        "2025-10-12 14:30+25:00",
        "yesterday",
        "2025-10-12 14:30:00.1234567",
    ],
)
def test_bad_timestamps(tmp_path: Path, text: str) -> None:
    problem = only(survey(tmp_path, f"S1,J1,{text},4,,,"))
    assert (problem.row, problem.column, problem.value) == (2, "surveyed_at", text)
    assert problem.reason.startswith("时间格式无效")
    assert "invalid timestamp" in problem.reason


def test_local_time_in_another_zone(tmp_path: Path) -> None:
    parsed = read(
        tmp_path,
        "surveys",
        SURVEY_HEADER,
        "S1,J1,2025-07-01 12:00,4,,,",
        zone=ZoneInfo("Europe/Berlin"),
    )
    assert parsed.frame["surveyed_at"].to_list() == [dt.datetime(2025, 7, 1, 10, 0, tzinfo=UTC)]


def test_daylight_saving_gap_and_overlap_are_problems(tmp_path: Path) -> None:
    parsed = read(
        tmp_path,
        "surveys",
        SURVEY_HEADER,
        "S1,J1,2025-03-30 02:30,4,,,",  # does not exist in Berlin
        "S2,J1,2025-10-26 02:30,4,,,",  # happens twice in Berlin
        "S3,J1,2025-10-26 02:30+01:00,4,,,",  # with an offset it is clear
        zone=ZoneInfo("Europe/Berlin"),
    )
    assert [(p.row, p.column) for p in parsed.problems] == [(2, "surveyed_at"), (3, "surveyed_at")]
    assert all(
        "Europe/Berlin" in p.reason and "daylight-saving" in p.reason for p in parsed.problems
    )
    assert parsed.frame["surveyed_at"].to_list() == [dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC)]


# --- dates, money, integers (installers and jobs) -----------------------------------------------

INSTALLER_HEADER = (
    "installer_id,name,team_id,employment,base_monthly_wage,local_min_wage,active_from,active_to"
)


def installer(tmp_path: Path, *rows: str) -> Parsed:
    return read(tmp_path, "installers", INSTALLER_HEADER, *rows)


def test_installer_dates_and_money(tmp_path: Path) -> None:
    parsed = installer(
        tmp_path,
        'I1,张三,T1,员工,"5,200.50",¥2490,2024/3/1,2025-10-31 00:00:00',
        "I2,李四,T1,contractor,,,,",
    )
    assert parsed.problems == []
    rows = parsed.frame.select(
        "base_monthly_wage_fen", "local_min_wage_fen", "active_from", "active_to", "employment"
    ).rows()
    assert rows == [
        (520050, 249000, dt.date(2024, 3, 1), dt.date(2025, 10, 31), "employee"),
        (None, None, None, None, "contractor"),
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("5200.555", "金额最多两位小数 / at most two decimals"),
        ("abc", "amount must be a number with at most two decimals"),
        ("-100", "amount must not be negative"),
    ],
)
def test_bad_money(tmp_path: Path, text: str, fragment: str) -> None:
    problem = only(installer(tmp_path, f"I1,张三,T1,员工,{text},,,"))
    assert (problem.row, problem.column, problem.value) == (2, "base_monthly_wage", text)
    assert fragment in problem.reason


@pytest.mark.parametrize("text", ["2024-02-30", "2024-03-01 08:00", "01/03/2024", "2024-3"])
def test_bad_dates(tmp_path: Path, text: str) -> None:
    problem = only(installer(tmp_path, f"I1,张三,T1,员工,,,{text},"))
    assert (problem.column, problem.value) == ("active_from", text)
    assert problem.reason == "日期格式无效,应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD"


def test_left_before_joining(tmp_path: Path) -> None:
    problem = only(installer(tmp_path, "I1,张三,T1,员工,,,2025-03-01,2025-02-28"))
    assert (problem.column, problem.value) == ("active_to", "2025-02-28")
    assert "active_to is before active_from" in problem.reason


JOB_HEADER = (
    "job_id,installer_ids,service_type,created_at,appointment_start,appointment_end,arrived_at,"
    "completed_at,promised_days"
)


def job(tmp_path: Path, *rows: str) -> Parsed:
    return read(tmp_path, "jobs", JOB_HEADER, *rows)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("3", 3), ("15.0", 15), ("", None)])
def test_promised_days(tmp_path: Path, text: str, value: int | None) -> None:
    parsed = job(tmp_path, f"J1,I1,install,2025-10-12 08:00,,,,,{text}")
    assert parsed.problems == []
    assert parsed.frame["promised_days"].to_list() == [value]


@pytest.mark.parametrize("text", ["-1", "2.5", "three"])
def test_bad_promised_days(tmp_path: Path, text: str) -> None:
    problem = only(job(tmp_path, f"J1,I1,install,2025-10-12 08:00,,,,,{text}"))
    assert (problem.column, problem.value) == ("promised_days", text)
    assert problem.reason == "须为非负整数 / must be a non-negative integer"


def test_job_order_rules(tmp_path: Path) -> None:
    parsed = job(
        tmp_path,
        # arrived before created is tolerated (a job registered after the visit)
        "J1,I1,install,2025-10-12 08:00,,,2025-10-12 07:00,2025-10-12 08:00,",
        "J2,I1,install,2025-10-12 08:00,,,,2025-10-12 07:59,",
        "J3,I1,install,2025-10-12 08:00,2025-10-13 10:00,2025-10-13 09:00,,,",
        # the same instant written in two ways is not "before"
        "J4,I1,install,2025-10-12 08:00,,,,2025-10-12T00:00:00Z,",
    )
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [
        (3, "completed_at", "2025-10-12 07:59"),
        (4, "appointment_end", "2025-10-13 09:00"),
    ]
    assert "completed_at is before created_at" in parsed.problems[0].reason
    assert "appointment_end is before appointment_start" in parsed.problems[1].reason
    assert parsed.frame["job_id"].to_list() == ["J1", "J4"]


def test_complaint_resolved_before_received_and_optional_installer(tmp_path: Path) -> None:
    parsed = read(
        tmp_path,
        "complaints",
        "complaint_id,job_id,installer_id,received_at,category,severity,responsibility,resolved_at",
        "C1,J1,,2025-10-12 08:00,迟到,较重,客户无理,2025-10-12 09:00",
        "C2,J1,I1,2025-10-12 08:00,lateness,minor,installer,2025-10-11 09:00",
    )
    problem = only(parsed)
    assert (problem.row, problem.column) == (3, "resolved_at")
    assert "resolved_at is before received_at" in problem.reason
    assert parsed.frame.select("category", "severity", "responsibility").rows() == [
        ("lateness", "major", "customer_unreasonable")
    ]


# --- rows: duplicates, several problems, required ----------------------------------------------


def test_duplicate_ids_reject_every_copy_naming_the_others(tmp_path: Path) -> None:
    parsed = survey(
        tmp_path,
        "S1,J1,2025-10-12,4,,,",
        "S2,J1,2025-10-12,4,,,",
        "S1,J1,2025-10-12,5,,,",
        "S1,J1,2025-10-12,3,,,",
    )
    assert parsed.frame["survey_id"].to_list() == ["S2"]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [
        (2, "survey_id", "S1"),
        (4, "survey_id", "S1"),
        (5, "survey_id", "S1"),
    ]
    assert parsed.problems[0].reason == (
        "编号在文件中重复,另见第 4, 5 行 / the id appears more than once in the file, "
        "also in row 4, 5"
    )
    assert "also in row 2, 4" in parsed.problems[2].reason


def test_every_problem_of_a_row_is_reported(tmp_path: Path) -> None:
    parsed = survey(tmp_path, ",J1,later,9,0,maybe,fax", "S2,J1,2025-10-12,4,,,")
    assert [(p.row, p.column) for p in parsed.problems] == [
        (2, "survey_id"),
        (2, "surveyed_at"),
        (2, "channel"),
        (2, "overall"),
        (2, "attitude"),
        (2, "promise_kept"),
    ]
    assert parsed.frame["survey_id"].to_list() == ["S2"]
    assert parsed.rejected.row(0, named=True) == {
        "survey_id": None,
        "job_id": "J1",
        "surveyed_at": "later",
        "overall": "9",
        "attitude": "0",
        "promise_kept": "maybe",
        "channel": "fax",
        "_row": 2,
    }
    assert all(p.source == "surveys.csv" and p.sheet is None for p in parsed.problems)


def test_revisits_reached_is_required_boolean(tmp_path: Path) -> None:
    parsed = read(
        tmp_path,
        "revisits",
        "回访编号,工单号,回访时间,是否接通",
        "R1,J1,2025-10-12,是",
        "R2,J1,2025-10-12,",
    )
    problem = only(parsed)
    assert (problem.row, problem.column) == (3, "是否接通")
    assert parsed.frame["reached"].to_list() == [True]
