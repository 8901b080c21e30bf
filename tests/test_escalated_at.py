"""Complaints' optional ``escalated_at`` (上报时间): validated like the other times, implies
``escalated``; both stores."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from scoring.importer import ImportReport, import_paths
from scoring.store import Store
from scoring.store.records import load_all
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = (
    "complaint_id,job_id,received_at,category,severity,responsibility,resolved_at,"
    "escalated,escalated_at\n"
)


def run(store: Store, complaints: str, tmp_path: Path) -> ImportReport:
    folder = inputs.write(tmp_path / "in", {**inputs.ALL, "complaints": HEADER + complaints})
    return import_paths(store, [folder], actor="hr", zone=ZONE, rejects_dir=tmp_path / "rejected")


def test_escalated_at_is_stored_and_implies_escalated(store: Store, tmp_path: Path) -> None:
    rows = (
        "C1,J2,2025-10-14T11:00:00,damage,minor,product,,,2025-10-14T15:30:00\n"
        "C2,J2,2025-10-14T11:00:00,damage,minor,product,,是,2025-10-15T09:00:00+08:00\n"
        "C3,J2,2025-10-14T11:00:00,damage,minor,product,,否,\n"
        "C4,J2,2025-10-14T11:00:00,damage,minor,product,,,\n"
    )
    report = run(store, rows, tmp_path)
    assert not report.problems
    stored = load_all(store)["complaints"].sort("complaint_id")
    assert stored.get_column("escalated").to_list() == [True, True, False, None]
    at = stored.get_column("escalated_at").to_list()
    assert at[0].isoformat() == "2025-10-14T07:30:00+00:00"
    assert at[1].isoformat() == "2025-10-15T01:00:00+00:00"
    assert at[2] is None and at[3] is None


def test_escalated_at_before_received_at_is_rejected(store: Store, tmp_path: Path) -> None:
    rows = (
        "C1,J2,2025-10-14T11:00:00,damage,minor,product,,true,2025-10-14T10:59:00\n"
        "C2,J2,2025-10-14T11:00:00,damage,minor,product,,true,2025-10-14T11:00:00\n"
    )
    report = run(store, rows, tmp_path)
    problems = next(iter(report.problems.values()))
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "escalated_at", "2025-10-14T10:59:00")
    ]
    assert "escalated_at is before received_at" in problems[0].reason
    stored = load_all(store)["complaints"]
    assert stored.get_column("complaint_id").to_list() == ["C2"]


def test_escalated_at_with_escalated_false_is_rejected(store: Store, tmp_path: Path) -> None:
    rows = "C1,J2,2025-10-14T11:00:00,damage,minor,product,,false,2025-10-14T12:00:00\n"
    report = run(store, rows, tmp_path)
    problems = next(iter(report.problems.values()))
    assert [(p.row, p.column) for p in problems] == [(2, "escalated")]
    assert "escalated is false" in problems[0].reason
    assert load_all(store)["complaints"].filter(pl.col("complaint_id") == "C1").height == 0
