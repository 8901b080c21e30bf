"""The CSV reader keeps physical rows: broken quotes, ragged rows and bad bytes are rejected by
their own row; everything else goes in (issue 16)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scoring.entities import SURVEYS
from scoring.ingest import read_file
from scoring.ingest.csvrows import MAX_RECORD_LINES
from scoring.ingest.source import read_table

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = "survey_id,job_id,surveyed_at,overall,comment\n"
#: What a parser says and a clerk cannot act on.
INTERNALS = ("infer_schema_length", "ignore_errors", "truncate_ragged_lines", "Schema", "polars")


def row(n: int, comment: str = "") -> str:
    return f"S{n},J1,2025-10-12 10:00,5,{comment}\n"


def survey_file(tmp_path: Path, lines: list[str], name: str = "surveys.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def reasons(parsed_problems: list[object]) -> str:
    return "\n".join(str(p) for p in parsed_problems)


def test_an_unclosed_quote_is_rejected_with_the_rows_it_swallowed(tmp_path: Path) -> None:
    # 1,000 data rows (file rows 2..1001); row 501 opens a quote, row 701 closes one.
    lines = [row(n) for n in range(2, 1002)]
    lines[501 - 2] = row(501, '"师傅很专业')
    lines[701 - 2] = row(701, '好评"')
    parsed = read_file(survey_file(tmp_path, lines), SURVEYS, zone=ZONE)
    rejected = parsed.rejected["_row"].to_list()
    assert rejected == list(range(501, 702))
    assert parsed.frame.height == 1000 - 201
    assert parsed.frame["_row"].to_list() == [*range(2, 501), *range(702, 1002)]
    first = next(p for p in parsed.problems if p.row == 501)
    assert "第 501 行的引号没有闭合,吞掉了第 502–701 行" in first.reason
    assert "row 501: a quote is not closed and swallows rows 502–701" in first.reason
    assert all(
        "swallowed by the unclosed quote in row 501" in p.reason
        for p in parsed.problems
        if p.row != 501
    )
    text = reasons(parsed.problems)
    assert not any(word in text for word in INTERNALS)
    assert "S600" not in text  # the file's contents are not dumped
    # Each swallowed row is its own row in the rejects (HR sees and re-imports it).
    assert parsed.rejected.filter(parsed.rejected["_row"] == 600)["survey_id"].to_list() == ["S600"]


def test_a_quote_never_closed_swallows_to_the_end_of_the_file(tmp_path: Path) -> None:
    lines = [row(n) for n in range(2, 40)]
    lines[10 - 2] = row(10, '"没有结束')
    parsed = read_file(survey_file(tmp_path, lines), SURVEYS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == list(range(10, 40))
    assert "to the end of the file" in next(p.reason for p in parsed.problems if p.row == 10)
    assert parsed.frame.height == 8


def test_a_short_swallow_with_the_right_cell_count_is_still_caught(tmp_path: Path) -> None:
    # Only 3 rows apart: the span is short, but the lines inside it look like rows.
    lines = [row(n) for n in range(2, 12)]
    lines[4 - 2] = row(4, '"开')
    lines[6 - 2] = row(6, '关"')
    parsed = read_file(survey_file(tmp_path, lines), SURVEYS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == [4, 5, 6]
    assert parsed.frame.height == 10 - 3


def test_a_real_multi_line_comment_is_accepted(tmp_path: Path) -> None:
    lines = [row(2), row(3, '"第一行,还有逗号\n第二行\n第三行"'), row(6)]
    parsed = read_file(survey_file(tmp_path, lines), SURVEYS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.frame["comment"].to_list() == [None, "第一行,还有逗号\n第二行\n第三行", None]
    # Rows are physical lines: the record after the comment is on line 6.
    assert parsed.frame["_row"].to_list() == [2, 3, 6]


def test_a_multi_line_cell_longer_than_the_limit_is_a_broken_quote(tmp_path: Path) -> None:
    comment = '"' + "\n".join(["行"] * (MAX_RECORD_LINES + 1)) + '"'
    parsed = read_file(survey_file(tmp_path, [row(2, comment), row(99)]), SURVEYS, zone=ZONE)
    last = 2 + MAX_RECORD_LINES
    assert parsed.rejected["_row"].to_list() == list(range(2, last + 1))
    assert parsed.frame["survey_id"].to_list() == ["S99"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("S3,J1,2025-10-12 10:00,5,好,多余\n", "row 3 has 6 cells, more than the 5 header columns"),
        ("S3,J1,2025-10-12 10:00,5\n", "row 3 has 4 cells, fewer than the 5 header columns"),
        ('S3,J1,2025-10-12 10:00,5,"a"b\n', "row 3: a quote is not closed properly"),
        ('S3,J1,"2025-10-12 10:00",5,"好,评",x\n', "row 3 has 6 cells, more than the 5"),
    ],
)
def test_a_ragged_or_malformed_row_is_rejected_alone(
    tmp_path: Path, line: str, message: str
) -> None:
    parsed = read_file(survey_file(tmp_path, [row(2), line, row(4)]), SURVEYS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == [3]
    assert parsed.frame["_row"].to_list() == [2, 4]
    assert [p.row for p in parsed.problems] == [3]
    assert message in parsed.problems[0].reason
    assert not any(word in parsed.problems[0].reason for word in INTERNALS)


def test_a_long_row_keeps_its_extra_cells_in_the_rejects(tmp_path: Path) -> None:
    parsed = read_file(
        survey_file(tmp_path, ["S2,J1,2025-10-12 10:00,5,好,多,余\n"]), SURVEYS, zone=ZONE
    )
    assert parsed.rejected["comment"].to_list() == ["好,多,余"]


def test_an_invalid_byte_is_reported_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_bytes(
        (HEADER + row(2, "好评") + row(3)).encode("utf-8")
        + b"S4,J1,2025-10-12,5,\xff\xfe\x80\n"
        + row(5, "满意").encode("utf-8")
    )
    parsed = read_file(path, SURVEYS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == [4]
    assert "row 4 holds bytes that are neither UTF-8 nor GB18030" in parsed.problems[0].reason
    assert parsed.frame["comment"].to_list() == ["好评", None, "满意"]


def test_gb18030_files_still_read_with_quotes_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_bytes((HEADER + row(2, '"好,评"') + row(3, "差")).encode("gb18030"))
    parsed = read_file(path, SURVEYS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.frame["comment"].to_list() == ["好,评", "差"]


def test_plain_and_general_readers_agree(tmp_path: Path) -> None:
    # The same rows with and without a quoted cell: the plain path and the line reader give
    # the same text for the other rows (empty cells null, CRLF endings removed).
    plain = survey_file(tmp_path, [row(2), row(3, "好"), "S4,J1,,5,\r\n"], name="a.csv")
    quoted = survey_file(tmp_path, [row(2), row(3, '"好"'), "S4,J1,,5,\r\n"], name="b.csv")
    a, b = read_table(plain), read_table(quoted)
    assert a.problems == b.problems == ()
    assert a.frame.to_dicts() == b.frame.to_dicts()
