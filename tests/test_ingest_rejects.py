"""References between files, and the rejects file HR fixes and re-imports."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest

from scoring.entities import COMPLAINTS, JOBS, SURVEYS
from scoring.ingest import ERROR_COLUMN, check_references, detect_entity, read_file, write_rejects

ZONE = ZoneInfo("Asia/Shanghai")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_surveys_naming_an_unknown_job_are_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path / "surveys.csv",
        "问卷编号,工单号,回访时间,综合评分\nS1,J1,2025-10-12,5\nS2,J9,2025-10-12,4\nS3,J2,x,4\n",
    )
    parsed = read_file(path, SURVEYS, zone=ZONE)
    checked = check_references(parsed, {"jobs": pl.Series(["J1", "J2"])})
    assert checked.frame["survey_id"].to_list() == ["S1"]
    assert checked.rejected["_row"].to_list() == [3, 4]
    assert checked.rejected["工单号"].to_list() == ["J9", "J2"]
    problem = next(p for p in checked.problems if p.row == 3)
    assert (problem.source, problem.column, problem.value) == ("surveys.csv", "工单号", "J9")
    assert problem.reason == "引用的工单不存在 / job_id 'J9' does not exist"
    assert [p.row for p in checked.problems] == [3, 4]
    # The input is not changed.
    assert parsed.frame.height == 2


def test_each_installer_of_a_job_must_exist(tmp_path: Path) -> None:
    path = write(
        tmp_path / "jobs.csv",
        "job_id,installer_ids,service_type,created_at\n"
        "J1,I1;I2,install,2025-10-12 08:00\n"
        "J2,I1:0.5;I9:0.5,install,2025-10-12 08:00\n",
    )
    checked = check_references(
        read_file(path, JOBS, zone=ZONE), {"installers": pl.Series(["I1", "I2"])}
    )
    assert checked.frame["job_id"].to_list() == ["J1"]
    assert checked.job_installers is not None
    assert checked.job_installers["job_id"].to_list() == ["J1", "J1"]
    (problem,) = checked.problems
    assert (problem.row, problem.column, problem.value) == (3, "installer_ids", "I9")
    assert problem.reason == "引用的安装师傅不存在 / installer_id 'I9' does not exist"


def test_complaint_installer_is_optional_but_must_exist(tmp_path: Path) -> None:
    path = write(
        tmp_path / "complaints.csv",
        "complaint_id,job_id,installer_id,received_at,category,severity,responsibility\n"
        "C1,J1,,2025-10-12,other,minor,undetermined\n"
        "C2,J1,I9,2025-10-12,other,minor,undetermined\n",
    )
    checked = check_references(
        read_file(path, COMPLAINTS, zone=ZONE),
        {"jobs": pl.Series(["J1"]), "installers": pl.Series(["I1"])},
    )
    assert checked.frame["complaint_id"].to_list() == ["C1"]
    (problem,) = checked.problems
    assert (problem.row, problem.column, problem.value) == (3, "installer_id", "I9")


def test_known_ids_of_a_referenced_entity_are_needed(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "survey_id,job_id,surveyed_at,overall\nS1,J1,2025-10-12,5\n")
    with pytest.raises(KeyError, match="jobs"):
        check_references(read_file(path, SURVEYS, zone=ZONE), {})


def test_rejects_file_can_be_fixed_and_reimported(tmp_path: Path) -> None:
    source = write(
        tmp_path / "满意度回访问卷.csv",
        "问卷编号,工单号,回访时间,综合评分,门店\n"
        "S1,J1,2025-10-12 10:00,非常满意,北京\n"
        'S2,J1,2025-10-12 10:00,很好,"上海,浦东"\n'
        "S3,J9,2025-10-12 10:00,3,\n",
    )
    parsed = check_references(read_file(source, SURVEYS, zone=ZONE), {"jobs": pl.Series(["J1"])})
    out = write_rejects(parsed, tmp_path / "rejected")
    assert out == tmp_path / "rejected" / "满意度回访问卷.rejected.csv"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == f"问卷编号,工单号,回访时间,综合评分,门店,{ERROR_COLUMN}"
    assert lines[1].startswith('S2,J1,2025-10-12 10:00,很好,"上海,浦东",综合评分: 评分须为1–5')
    assert (
        lines[2]
        == "S3,J9,2025-10-12 10:00,3,,工单号: 引用的工单不存在 / job_id 'J9' does not exist"
    )

    # HR fixes the values in place and imports the same file again.
    fixed = out.read_text(encoding="utf-8-sig").replace("很好", "满意").replace("J9", "J1")
    out.write_text(fixed, encoding="utf-8-sig")
    entity = detect_entity(out)
    assert entity is SURVEYS
    again = check_references(read_file(out, entity, zone=ZONE), {"jobs": pl.Series(["J1"])})
    assert again.problems == []
    assert again.frame["survey_id"].to_list() == ["S2", "S3"]
    assert again.frame["overall"].to_list() == [4, 3]
    assert again.frame["extra"].to_list() == ['{"门店":"上海,浦东"}', None]
    assert ERROR_COLUMN not in again.columns
    # Nothing left to fix: the stale rejects file goes away.
    assert write_rejects(again, tmp_path / "rejected") is None
    assert not out.exists()


def test_rejects_of_a_file_level_problem_carry_it_on_every_row(tmp_path: Path) -> None:
    source = write(tmp_path / "surveys.csv", "survey_id,job_id,surveyed_at\nS1,J1,2025-10-12\n")
    out = write_rejects(read_file(source, SURVEYS, zone=ZONE), tmp_path)
    assert out is not None
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith('S1,J1,2025-10-12,"缺少必需的列「综合评分」')


def test_rejects_keep_duplicate_headers_as_written(tmp_path: Path) -> None:
    source = write(
        tmp_path / "surveys.csv",
        "survey_id,job_id,工单号,surveyed_at,overall\nS1,J1,J1,2025-10-12,5\n",
    )
    out = write_rejects(read_file(source, SURVEYS, zone=ZONE), tmp_path)
    assert out is not None
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == f"survey_id,job_id,工单号,surveyed_at,overall,{ERROR_COLUMN}"


def test_rejects_of_an_xlsx_are_csv_with_canonical_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["survey_id", "job_id", "surveyed_at", "overall"])
    sheet.append([1001, "J1", "2025-10-12", 7])
    book.save(tmp_path / "surveys.xlsx")
    out = write_rejects(read_file(tmp_path / "surveys.xlsx", SURVEYS, zone=ZONE), tmp_path / "r")
    assert out == tmp_path / "r" / "surveys.rejected.csv"
    assert out.read_text(encoding="utf-8-sig").splitlines()[1].startswith("1001,J1,2025-10-12,7,")


def test_nothing_rejected_writes_nothing(tmp_path: Path) -> None:
    source = write(
        tmp_path / "surveys.csv", "survey_id,job_id,surveyed_at,overall\nS1,J1,2025-10-12,5\n"
    )
    assert write_rejects(read_file(source, SURVEYS, zone=ZONE), tmp_path / "r") is None
    assert not (tmp_path / "r").exists()


def test_the_rejects_file_is_formula_safe_and_re_imports_the_same_values(tmp_path: Path) -> None:
    # Issue 16: the rejects CSV wrote =HYPERLINK(…) unescaped.
    from zoneinfo import ZoneInfo

    from scoring.entities import SURVEYS
    from scoring.ingest import read_file, write_rejects

    zone = ZoneInfo("Asia/Shanghai")
    path = tmp_path / "surveys.csv"
    path.write_text(
        "survey_id,job_id,surveyed_at,overall,comment\n"
        'S1,J1,2025-10-12,9,"=HYPERLINK(""http://x"",""y"")"\n'
        "S2,J1,2025-10-12,9,-1+1\n",
        encoding="utf-8",
    )
    parsed = read_file(path, SURVEYS, zone=zone)
    written = write_rejects(parsed, tmp_path / "out")
    assert written is not None
    text = written.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'-1+1" in text
    assert "\n=" not in text and ",=" not in text and '"=' not in text
    again = read_file(written, SURVEYS, zone=zone)
    assert again.rejected["comment"].to_list() == ['=HYPERLINK("http://x","y")', "-1+1"]
