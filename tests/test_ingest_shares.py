"""jobs.installer_ids: exact shares with one denominator per job, and every bad spelling."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.entities import JOB_INSTALLERS_SCHEMA, JOBS
from scoring.ingest import Parsed, read_file

ZONE = ZoneInfo("Asia/Shanghai")


def jobs(tmp_path: Path, *cells: str) -> Parsed:
    lines = ["job_id,installer_ids,service_type,created_at"]
    lines += [f'J{i},"{cell}",install,2025-10-12 08:00' for i, cell in enumerate(cells, start=1)]
    path = tmp_path / "jobs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_file(path, JOBS, zone=ZONE)


def shares(parsed: Parsed) -> list[tuple[str, str, int, int]]:
    assert parsed.job_installers is not None
    assert parsed.job_installers.schema == JOB_INSTALLERS_SCHEMA
    return [(r[0], r[1], r[2], r[3]) for r in parsed.job_installers.rows()]


@pytest.mark.parametrize(
    ("cell", "canonical", "rows"),
    [
        ("I001", "I001", [("I001", 1, 1)]),
        (" I001 ", "I001", [("I001", 1, 1)]),
        ("I001;I002", "I001;I002", [("I001", 1, 2), ("I002", 1, 2)]),
        ("I1;I2;I3", "I1;I2;I3", [("I1", 1, 3), ("I2", 1, 3), ("I3", 1, 3)]),
        ("I001 ； I002；", "I001;I002", [("I001", 1, 2), ("I002", 1, 2)]),
        ("I001:0.6;I002:0.4", "I001:0.6;I002:0.4", [("I001", 6, 10), ("I002", 4, 10)]),
        ("I001：0.60；I002 : .4", "I001:0.6;I002:0.4", [("I001", 6, 10), ("I002", 4, 10)]),
        (
            "I1:0.25;I2:0.5;I3:0.25",
            "I1:0.25;I2:0.5;I3:0.25",
            [("I1", 25, 100), ("I2", 50, 100), ("I3", 25, 100)],
        ),
        ("I001:1", "I001:1", [("I001", 1, 1)]),
        ("I001:1.00", "I001:1", [("I001", 1, 1)]),
        (
            "I1:0.333333;I2:0.333333;I3:0.333334",
            "I1:0.333333;I2:0.333333;I3:0.333334",
            [("I1", 333333, 10**6), ("I2", 333333, 10**6), ("I3", 333334, 10**6)],
        ),
    ],
)
def test_good_cells(
    tmp_path: Path, cell: str, canonical: str, rows: list[tuple[str, int, int]]
) -> None:
    parsed = jobs(tmp_path, cell)
    assert parsed.problems == []
    assert parsed.frame["installer_ids"].to_list() == [canonical]
    assert shares(parsed) == [("J1", *row) for row in rows]


def test_shares_of_a_job_add_up_to_one_exactly(tmp_path: Path) -> None:
    parsed = jobs(tmp_path, "A;B;C", "A:0.1;B:0.2;C:0.7", "A:0.55;B:0.45")
    assert parsed.job_installers is not None
    totals = parsed.job_installers.group_by("job_id").agg(
        pl.col("share_num").sum(),
        pl.col("share_den").n_unique().alias("dens"),
        pl.col("share_den").first(),
    )
    assert (totals["share_num"] == totals["share_den"]).all()
    assert (totals["dens"] == 1).all()


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("I001:0.5;I002", "give a share for every installer of the job or for none"),
        ("I001:0.5;I002:0.6", "the shares must add up to exactly 1"),
        ("I001:0.3;I002:0.3;I003:0.3", "the shares must add up to exactly 1"),
        ("I001:0;I002:1", "a share must be a decimal > 0"),
        ("I001:abc;I002:0.5", "a share must be a decimal > 0"),
        ("I001:-0.5;I002:1.5", "a share must be a decimal > 0"),
        ("I001:0.1234567;I002:0.8765433", "at most 6 decimals"),
        ("I001:0.5:0.5", "a share must be a decimal > 0"),
        ("I001;I001", "an installer appears twice in the job: I001"),
        ("I001:0.5;I001:0.5", "an installer appears twice in the job: I001"),
        (":1", "an installer id is empty"),
        ("I001;:0.5", "an installer id is empty"),
        (";", "an installer id is empty"),
    ],
)
def test_bad_cells(tmp_path: Path, cell: str, fragment: str) -> None:
    parsed = jobs(tmp_path, cell, "OK1")
    problems = [p for p in parsed.problems if fragment in p.reason]
    assert problems, parsed.problems
    assert all((p.row, p.column, p.value) == (2, "installer_ids", cell) for p in parsed.problems)
    assert parsed.frame["job_id"].to_list() == ["J2"]
    assert shares(parsed) == [("J2", "OK1", 1, 1)]
    assert parsed.rejected["installer_ids"].to_list() == [cell]


def test_missing_installers_is_required(tmp_path: Path) -> None:
    parsed = jobs(tmp_path, "")
    (problem,) = parsed.problems
    assert (problem.column, problem.reason) == (
        "installer_ids",
        "必填字段为空 / required value is missing",
    )


def test_job_installers_only_for_valid_jobs(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(
        "job_id,installer_ids,service_type,created_at\n"
        "J1,A;B,install,2025-10-12 08:00\n"
        "J2,A;B,bogus,2025-10-12 08:00\n",
        encoding="utf-8",
    )
    parsed = read_file(path, JOBS, zone=ZONE)
    assert parsed.job_installers is not None
    assert_frame_equal(
        parsed.job_installers,
        pl.DataFrame(
            {
                "job_id": ["J1", "J1"],
                "installer_id": ["A", "B"],
                "share_num": [1, 1],
                "share_den": [2, 2],
            },
            schema=JOB_INSTALLERS_SCHEMA,
        ),
    )
