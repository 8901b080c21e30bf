"""The fast paths of the validation pass give exactly what the general path gives.

``validate(..., fast=False)`` trims every cell and converts it the general way; the default
reads the common shapes straight from the untrimmed cell. Both must give the same typed frame,
the same rejected rows, the same problems (row, column, value, reason) and the same
job_installers, whatever the cells are: the usual ones, odd but valid ones, invalid ones, and
files mixing them.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from scoring.entities import BY_NAME, JOBS, REVISITS, SURVEYS, Entity
from scoring.ingest import check_references, read_file
from scoring.ingest.headers import map_headers
from scoring.ingest.problems import to_problems
from scoring.ingest.source import read_table
from scoring.ingest.validate import Validated, validate
from scoring.ingest.values import BOOLEANS, _enum_spellings

ZONE = ZoneInfo("Asia/Shanghai")
DST_ZONE = ZoneInfo("America/New_York")

TIMESTAMPS = [
    "2025-10-12T14:30:15",
    "2025-10-12 14:30:15",
    " 2025-10-12T14:30:15 ",
    "2025-10-12t14:30:15",
    "2025-10-12T14:30",
    "2025-10-12T14:30:15.250",
    "2025-10-12T14:30:15+08:00",
    "2025-10-12T14:30:15Z",
    "2025/10/12 14:30:15",
    "2025-1-5T1:02:03",
    "2025-10-12",
    "2025-02-30T10:00:00",
    "2025-02-29T10:00:00",
    "2024-02-29T10:00:00",
    "2025-10-12T24:00:00",
    "2025-10-12T23:60:00",
    "2025-10-12T14:30:60",
    "2025-00-10T10:00:00",
    "0000-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "2025-10-12 14:3:05",
    "+2025-10-12 14:30:05",
    "2025-10-12  14:30:05",
    "2025-10-12T14:30:15+25:00",
    "２０２５-10-12T14:30:15",
    "20251-1-05T10:00:00",
    "2025-03-09T02:30:00",
    "2025-11-02T01:30:00",
    "yesterday",
    "",
    "   ",
]
SCORES = ["5", "1", "3", " 4 ", "5.0", "4.00", "满意", "非常不满意", "0", "6", "55", "-1", "+5"]
SCORES += ["٣", "4.5", "", " "]
BOOLS = ["true", "false", "TRUE", "False", " true ", "yes", "N", "1", "0", "是", "否"]
BOOLS += ["maybe", "truee", "", " "]
CHANNELS = ["phone", "sms", "wechat", "app", "APP", " phone ", "电话", "微信", "fax", "", " "]
SERVICE_TYPES = ["install", "delivery", "repair", "maintenance", "Install", " repair ", "安装"]
SERVICE_TYPES += ["送货", "fix", "", " "]
DAYS = ["3", "0", "007", " 5 ", "5.0", "5.00", "123456789012345678", "1234567890123456789"]
DAYS += ["+5", "-0", "-3", "1e3", "٣", "5.5", "", " "]


def validated(path: Path, entity: Entity, *, fast: bool, zone: ZoneInfo = ZONE) -> Validated:
    table = read_table(path)
    names = [c for c in table.frame.columns if c != "_row"]
    layout = map_headers(list(table.headers), names, entity)
    return validate(table, layout, entity, zone, fast=fast)


def assert_same(path: Path, entity: Entity, zone: ZoneInfo = ZONE) -> Validated:
    fast = validated(path, entity, fast=True, zone=zone)
    general = validated(path, entity, fast=False, zone=zone)
    assert_frame_equal(fast.frame, general.frame)
    assert_frame_equal(fast.rejected, general.rejected)
    assert to_problems(fast.problems, source="f", sheet=None) == to_problems(
        general.problems, source="f", sheet=None
    )
    if general.job_installers is None:
        assert fast.job_installers is None
    else:
        assert fast.job_installers is not None
        assert_frame_equal(fast.job_installers, general.job_installers)
    return fast


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_rows(path: Path, header: str, rows: list[list[str]]) -> Path:
    lines = [header, *(",".join(csv_cell(c) for c in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def jobs_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    header = (
        "job_id,installer_ids,service_type,created_at,appointment_start,appointment_end,"
        "completed_at,promised_days"
    )
    return write_rows(tmp_path / "jobs.csv", header, rows)


def test_every_job_cell_alone(tmp_path: Path) -> None:
    """Each odd cell in a file of usual rows: its column then needs the general path."""
    usual = ["J{}", "I1", "install", "2025-10-12T08:00:00", "", "", "2025-10-12T09:00:00", "3"]
    cases = [(3, t) for t in TIMESTAMPS] + [(2, s) for s in SERVICE_TYPES]
    cases += [(7, d) for d in DAYS] + [(6, t) for t in TIMESTAMPS]
    for n, (column, cell) in enumerate(cases):
        rows = [[c.format(i) for c in usual] for i in range(3)]
        rows[1][column] = cell
        path = jobs_file(tmp_path, rows)
        fast = assert_same(path, JOBS)
        assert fast.frame.height + fast.rejected.height == 3, (n, cell)


def test_job_cells_all_at_once(tmp_path: Path) -> None:
    rows = []
    for i, (created, kind, days) in enumerate(
        itertools.zip_longest(TIMESTAMPS, SERVICE_TYPES, DAYS, fillvalue="")
    ):
        rows.append([f"J{i}", "I1", kind, created, created, TIMESTAMPS[-i], created, days])
    rows.append(["J1", "I2", "install", "2025-10-12T08:00:00", "", "", "", ""])
    rows.append(["", "", "", "", "", "", "", ""])
    rows.append([" ", " ", "", " ", "", "", "", ""])
    assert_same(jobs_file(tmp_path, rows), JOBS)


def test_timestamps_in_a_zone_with_daylight_saving(tmp_path: Path) -> None:
    rows = [[f"J{i}", "I1", "install", t, t, "", "", ""] for i, t in enumerate(TIMESTAMPS)]
    assert_same(jobs_file(tmp_path, rows), JOBS, DST_ZONE)


def test_survey_cells(tmp_path: Path) -> None:
    header = (
        "survey_id,job_id,surveyed_at,channel,overall,attitude,punctuality,professionalism,"
        "cleanliness,promise_kept,comment"
    )
    rows = []
    for i, (score, flag, channel) in enumerate(
        itertools.zip_longest(SCORES, BOOLS, CHANNELS, fillvalue="")
    ):
        rows.append([f"S{i}", "J1", "2025-10-12T08:00:00", channel, score, score, "", "5"])
        rows[-1] += ["4", flag, f" note {i} "]
    rows.append(["S0", "J1", "2025-10-12 08:00:00", "phone", "5", "", "", "", "", "true", ""])
    assert_same(write_rows(tmp_path / "surveys.csv", header, rows), SURVEYS)
    # Each column alone among usual rows.
    for column, cells in ((4, SCORES), (9, BOOLS), (3, CHANNELS)):
        for cell in cells:
            usual = ["S{}", "J1", "2025-10-12T08:00:00", "sms", "5", "4", "", "", "", "true", ""]
            rows = [[c.format(i) for c in usual] for i in range(3)]
            rows[2][column] = cell
            assert_same(write_rows(tmp_path / "surveys.csv", header, rows), SURVEYS)


def test_revisits_with_unknown_and_missing_columns(tmp_path: Path) -> None:
    header = "revisit_id,revisited_at,reached,Agent,note"
    rows = [["R1", "2025-10-12T08:00:00", "true", "张三", ""]]
    rows += [
        [f"R{i}", t, b, "", "x"]
        for i, (t, b) in enumerate(zip(TIMESTAMPS, BOOLS * 3, strict=False))
    ]
    rows += [["", "", "", "", ""], ["", "", "", " A ", ""]]
    fast = assert_same(write_rows(tmp_path / "revisits.csv", header, rows), REVISITS)
    # job_id is missing: every row is rejected, and still has its own problems.
    assert fast.frame.height == 0


@pytest.mark.parametrize("zone", [ZONE, DST_ZONE])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(
        st.lists(
            st.sampled_from(list("0123456789") * 3 + ["-", ":", "T", " ", "+", ".", "Z", "/"]),
            max_size=24,
        ).map("".join)
        | st.builds(
            "{:04d}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}".format,
            st.integers(0, 9999),
            st.integers(0, 13),
            st.integers(0, 32),
            st.sampled_from(["T", " ", "t", "  "]),
            st.integers(0, 25),
            st.integers(0, 61),
            st.integers(0, 61),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_generated_timestamps(
    tmp_path_factory: pytest.TempPathFactory, zone: ZoneInfo, cells: list[str]
) -> None:
    path = tmp_path_factory.mktemp("ts") / "jobs.csv"
    rows = [[f"J{i}", "I1", "install", c, "", "", c, ""] for i, c in enumerate(cells)]
    assert_same(jobs_file(path.parent, rows), JOBS, zone)


def test_fast_lookups_are_keys_of_the_tables() -> None:
    """What the fast paths read as written maps, by the tables, to the same value."""
    for entity in (JOBS, SURVEYS, BY_NAME["teams"], BY_NAME["complaints"]):
        for field in entity.fields:
            if field.labels:
                spellings = _enum_spellings(field)
                assert all(spellings[value] == value for value in field.labels)
    assert BOOLEANS["true"] is True and BOOLEANS["false"] is False


# --- reading: UTF-8 found by polars, GB18030 and broken files still told apart -------------------


def test_gb18030_found_late_in_a_large_file(tmp_path: Path) -> None:
    """Non-UTF-8 bytes only far into the file (past the header and polars' first chunks)."""
    rows = ["job_id,installer_ids,service_type,created_at"]
    rows += [f"J{i},I1,install,2025-10-12T08:00:00" for i in range(60000)]
    rows.append("J-last,I1,安装,2025-10-12T08:00:00")
    path = tmp_path / "jobs.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gb18030"))
    parsed = read_file(path, JOBS, zone=ZONE)
    assert parsed.problems == []
    assert parsed.frame.height == 60001
    assert parsed.frame["service_type"][-1] == "install"
    assert parsed.rejected.height == 0


def test_broken_byte_late_in_a_large_file(tmp_path: Path) -> None:
    rows = ["job_id,installer_ids,service_type,created_at"]
    rows += [f"J{i},I1,install,2025-10-12T08:00:00" for i in range(60000)]
    data = ("\n".join(rows) + "\n").encode() + b"J-last,I1,\xff,2025-10-12T08:00:00\n"
    path = tmp_path / "jobs.csv"
    path.write_bytes(data)
    # Issue 16: only that row is rejected, with its row; the 60,000 before it go in.
    parsed = read_file(path, JOBS, zone=ZONE)
    assert parsed.rejected["_row"].to_list() == [60002]
    assert "neither UTF-8 nor GB18030" in parsed.problems[0].reason
    assert parsed.frame.height == 60000


def test_too_long_row_in_a_gb18030_file(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_bytes("工单号,师傅工号\nJ1,张三\nJ2,I1,多余\n".encode("gb18030"))
    parsed = read_file(path, JOBS, zone=ZONE)
    found = [(p.row, "row 3 has 3 cells, more than" in p.reason) for p in parsed.problems]
    assert (3, True) in found


# --- references ----------------------------------------------------------------------------------


def test_unknown_installers_in_row_order(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "jobs.csv",
        "job_id,installer_ids,service_type,created_at",
        [
            ["J1", "I9;I1;I8", "install", "2025-10-12T08:00:00"],
            ["J2", "I1", "install", "2025-10-12T08:00:00"],
            ["J3", "I7", "install", "2025-10-12T08:00:00"],
            ["J4", "I1:0.5;I6:0.5", "install", "2025-10-12T08:00:00"],
        ],
    )
    known = {"installers": pl.Series(["I1", "I1", "I2"])}
    checked = check_references(read_file(path, JOBS, zone=ZONE), known)
    assert [(p.row, p.value) for p in checked.problems] == [
        (2, "I9"),
        (2, "I8"),
        (4, "I7"),
        (5, "I6"),
    ]
    assert checked.frame["job_id"].to_list() == ["J2"]
    assert checked.rejected["_row"].to_list() == [2, 4, 5]
    assert checked.job_installers is not None
    assert checked.job_installers["job_id"].to_list() == ["J2"]
