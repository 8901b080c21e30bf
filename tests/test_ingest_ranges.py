"""Number ranges and sizes at the door (issue 16): promised days, the years of timestamps,
unknown columns' text, and the width of a file, each refused per row (or per file) with the
reason, before anything is stored."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scoring.entities import JOBS, SURVEYS
from scoring.errors import InputError
from scoring.importer import import_paths
from scoring.ingest import read_file
from scoring.ingest.text import MAX_TEXT
from scoring.ingest.values import MAX_INT
from scoring.services.drafts import targets
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import open_store
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
JOB_HEADER = "job_id,installer_ids,service_type,created_at,promised_days"


def jobs(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "jobs.csv"
    path.write_text("\n".join([JOB_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_promised_days_beyond_a_year_of_working_days_are_rejected(tmp_path: Path) -> None:
    limit = MAX_INT["promised_days"]
    parsed = read_file(
        jobs(
            tmp_path,
            f"J1,I1,install,2025-10-12 08:00,{limit}",
            f"J2,I1,install,2025-10-12 08:00,{limit + 1}",
            "J3,I1,install,2025-10-12 08:00,100000",
        ),
        JOBS,
        zone=ZONE,
    )
    assert parsed.frame["job_id"].to_list() == ["J1"]
    assert [(p.row, p.column) for p in parsed.problems] == [
        (3, "promised_days"),
        (4, "promised_days"),
    ]
    assert parsed.problems[0].reason == f"不能大于 {limit} / must be at most {limit}"


@pytest.mark.parametrize(
    "moment", ["1999-12-31 23:59", "2100-01-01 00:00", "9999-12-31 10:00", "0001-01-01"]
)
def test_a_timestamp_outside_the_periods_is_rejected(tmp_path: Path, moment: str) -> None:
    parsed = read_file(jobs(tmp_path, f"J1,I1,install,{moment},"), JOBS, zone=ZONE)
    [problem] = parsed.problems
    assert (problem.row, problem.column, problem.value) == (2, "created_at", moment)
    assert "2000–2099" in problem.reason and parsed.frame.height == 0


@pytest.mark.parametrize(
    "moment", ["2000-01-01 00:00", "2099-12-31 23:59:59", "2000-01-01T00:30:00+08:00"]
)
def test_the_first_and_last_local_moments_are_accepted(tmp_path: Path, moment: str) -> None:
    parsed = read_file(jobs(tmp_path, f"J1,I1,install,{moment},"), JOBS, zone=ZONE)
    assert parsed.problems == [] and parsed.frame.height == 1


def test_a_far_future_survey_no_longer_breaks_the_draft_months(tmp_path: Path) -> None:
    folder = inputs.write(tmp_path / "in")
    (folder / "surveys.csv").write_text(
        inputs.SURVEYS + "S9,J1,9999-12-31T10:00:00,phone,5,5,true,\n", encoding="utf-8"
    )
    runtime = Runtime.of(Settings(rejects_dir=tmp_path / "rejected"))
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = import_paths(
            store, [folder], actor="hr", zone=ZONE, rejects_dir=tmp_path / "rejected"
        )
        months = {p.name for p in targets(store, runtime)}  # raised InputError before
    assert report.rejected == 1
    assert "2025-10" in months and not any(m.startswith("9999") for m in months)


def test_unknown_columns_are_free_text_with_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_text(
        "survey_id,job_id,surveyed_at,overall,备注\n"
        "S1,J1,2025-10-12,5,好\x07评\n"
        f"S2,J1,2025-10-12,5,{'长' * (MAX_TEXT + 1)}\n",
        encoding="utf-8",
    )
    parsed = read_file(path, SURVEYS, zone=ZONE)
    assert parsed.frame["extra"].to_list() == ['{"备注":"好评"}']
    [problem] = parsed.problems
    assert (problem.row, problem.column) == (3, "备注")
    assert f"at most {MAX_TEXT:,} characters" in problem.reason


def test_a_file_wider_than_any_entity_is_refused_before_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    header = ["survey_id", "job_id", "surveyed_at", "overall", *(f"x{i}" for i in range(300))]
    path.write_text(",".join(header) + "\n" + "S1,J1,2025-10-12,5" + "," * 300 + "\n")
    with pytest.raises(InputError, match="has 304 columns; at most 256"):
        read_file(path, SURVEYS, zone=ZONE)
