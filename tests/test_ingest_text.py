"""Ids and text at the door: invisible characters in ids rejected, control characters removed
from free text, lengths bounded by what the export can hold (issue 16)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scoring.entities import INSTALLERS, SURVEYS
from scoring.ingest import read_file
from scoring.ingest.text import MAX_ID, MAX_NAME, MAX_TEXT

ZONE = ZoneInfo("Asia/Shanghai")


def surveys(tmp_path: Path, survey_id: str, comment: str = "") -> Path:
    path = tmp_path / "surveys.csv"
    text = "survey_id,job_id,surveyed_at,overall,comment\n"
    text += f"S0,J1,2025-10-12,5,\n{survey_id},J1,2025-10-12,5,{comment}\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("char", ["\x00", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x07"])
def test_an_id_with_an_invisible_character_is_rejected(tmp_path: Path, char: str) -> None:
    parsed = read_file(surveys(tmp_path, f"S{char}0"), SURVEYS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == [3]
    assert parsed.frame["survey_id"].to_list() == ["S0"]  # no look-alike twin of S0
    assert "invisible character" in parsed.problems[0].reason
    assert parsed.problems[0].column == "survey_id"


def test_free_text_loses_control_characters_but_keeps_tabs(tmp_path: Path) -> None:
    parsed = read_file(surveys(tmp_path, "S1", "好\x00评\x1b[31m\t再来"), SURVEYS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.frame["comment"].to_list() == [None, "好评[31m\t再来"]


@pytest.mark.parametrize(
    ("survey_id", "comment", "column", "limit"),
    [
        ("S" * (MAX_ID + 1), "", "survey_id", MAX_ID),
        ("S1", "长" * (MAX_TEXT + 1), "comment", MAX_TEXT),
    ],
)
def test_over_long_text_is_rejected(
    tmp_path: Path, survey_id: str, comment: str, column: str, limit: int
) -> None:
    parsed = read_file(surveys(tmp_path, survey_id, comment), SURVEYS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == [3]
    assert parsed.problems[0].column == column
    assert f"at most {limit:,} characters" in parsed.problems[0].reason


def test_a_forty_thousand_character_name_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "installers.csv"
    path.write_text(
        f"installer_id,name,team_id,employment\nI1,{'名' * 40_000},T1,employee\n", encoding="utf-8"
    )
    parsed = read_file(path, INSTALLERS, zone=ZONE)
    assert parsed.frame.height == 0
    assert f"at most {MAX_NAME:,} characters" in parsed.problems[0].reason


def test_a_problem_shows_only_the_start_of_a_long_value(tmp_path: Path) -> None:
    parsed = read_file(surveys(tmp_path, "S1", "长" * (MAX_TEXT + 1)), SURVEYS, zone=ZONE)
    assert parsed.problems[0].value is not None and len(parsed.problems[0].value) == 200
    assert parsed.rejected["comment"].str.len_chars().to_list() == [MAX_TEXT + 1]
