"""Scheduled jobs: called directly on a store, and registered on the scheduler."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi.testclient import TestClient

from scoring import jobs
from scoring.api import create_app
from scoring.disputes import open_dispute
from scoring.errors import InputError
from scoring.importer import import_paths
from scoring.periods import Context, close
from scoring.result import Result
from scoring.settings import Settings
from scoring.store import Store, now_us, open_store
from scoring.store import periods as store_periods
from scoring.workdays import WorkCalendar
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
PERIOD = "2025-10"


def load(store: Store, folder: Path) -> None:
    import_paths(
        store, [inputs.write(folder)], actor="hr", zone=ZONE, rejects_dir=folder / "rejected"
    )


def test_nightly_compute_records_and_logs_totals(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(store, tmp_path / "in")
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        result = jobs.nightly_compute(store, zone=ZONE, period=PERIOD)
    assert result is not None and result.draft
    assert int(result.statements.get_column("net_fen").sum()) == -7000
    message = next(r.getMessage() for r in caplog.records if "nightly compute" in r.getMessage())
    assert "2025-10" in message and "installers 3" in message and "net -70.00" in message
    with store.begin() as conn:
        entries = store_periods.audit_entries(conn, action="compute")
        row = store_periods.get_period(conn, PERIOD)
    assert [(e["actor"], e["target"]) for e in entries] == [("scheduler", PERIOD)]
    assert row is not None and row.status == "open" and row.computed_at is not None


def test_nightly_compute_defaults_to_the_current_month(store: Store) -> None:
    result = jobs.nightly_compute(store, zone=ZONE)
    assert result is not None
    assert result.period == dt.datetime.now(tz=ZONE).strftime("%Y-%m")


def test_nightly_compute_skips_a_closed_period(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    close(Context.load(store, zone=ZONE), PERIOD, actor="hr")
    assert jobs.nightly_compute(store, zone=ZONE, period=PERIOD) is None
    with store.begin() as conn:
        assert store_periods.audit_entries(conn, action="compute") == []


def test_nightly_compute_drops_a_draft_of_a_period_closed_meanwhile(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    load(store, tmp_path / "in")
    computed = Context.run
    closed: list[bool] = []

    def run_then_close(self: Context, *args: Any, **kwargs: Any) -> Result:
        result = computed(self, *args, **kwargs)
        if not closed:  # HR closes the month while the nightly draft is computed
            closed.append(True)
            close(Context.load(store, zone=ZONE), PERIOD, actor="hr")
        return result

    monkeypatch.setattr(Context, "run", run_then_close)
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        assert jobs.nightly_compute(store, zone=ZONE, period=PERIOD) is None
    assert any("closed meanwhile" in r.getMessage() for r in caplog.records)
    with store.begin() as conn:
        assert store_periods.audit_entries(conn, action="compute") == []
        assert store_periods.is_closed(conn, PERIOD)


def test_current_period_is_the_local_month() -> None:
    late = dt.datetime(2025, 10, 31, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 November in Shanghai
    assert jobs.current_period(ZONE, late) == "2025-11"


def test_overdue_disputes_are_logged(
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load(store, tmp_path / "in")
    number = open_dispute(
        store,
        period=PERIOD,
        installer_id="I3",
        target_kind="line",
        target_id="low_score:S2",
        comment="打错分",
        actor="I3",
        calendar=WorkCalendar.load(),
        zone=ZONE,
    )
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        assert jobs.check_overdue(store, zone=ZONE) == []
    assert "no overdue disputes" in caplog.text
    caplog.clear()

    in_a_month = now_us() + 30 * 86_400 * 1_000_000
    monkeypatch.setattr("scoring.disputes.now_us", lambda: in_a_month)
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        found = jobs.check_overdue(store, zone=ZONE)
    assert [d["dispute_id"] for d in found] == [number]
    warnings_logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_logged) == 1
    assert f"#{number} overdue" in warnings_logged[0].getMessage()
    assert "I3" in warnings_logged[0].getMessage()


def test_job_wrappers_log_user_errors(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InputError("没有方案 / no plan")

    monkeypatch.setattr(jobs, "nightly_compute", refuse)
    monkeypatch.setattr(jobs, "check_overdue", refuse)
    jobs._run_nightly(store, ZONE, None)
    jobs._run_overdue(store, ZONE)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "nightly compute failed: 没有方案 / no plan",
        "overdue dispute check failed: 没有方案 / no plan",
    ]


def test_the_scheduler_registers_both_jobs(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'jobs.db'}") as store:
        scheduler = jobs.build_scheduler(store, zone=ZONE)
        found = {job.id: job for job in scheduler.get_jobs()}
        assert set(found) == {jobs.NIGHTLY_JOB_ID, jobs.OVERDUE_JOB_ID}
        nightly = found[jobs.NIGHTLY_JOB_ID].trigger
        assert isinstance(nightly, CronTrigger)
        assert str(nightly.fields[nightly.FIELD_NAMES.index("hour")]) == "2"
        assert str(nightly.fields[nightly.FIELD_NAMES.index("minute")]) == "30"
        hourly = found[jobs.OVERDUE_JOB_ID].trigger
        assert isinstance(hourly, IntervalTrigger)
        assert hourly.interval == dt.timedelta(hours=1)
        scheduler.start()
        try:
            assert scheduler.running
            next_run = scheduler.get_job(jobs.NIGHTLY_JOB_ID).next_run_time
            assert next_run.astimezone(ZONE).time() == dt.time(2, 30)
        finally:
            scheduler.shutdown(wait=True)


def test_the_app_starts_and_stops_the_scheduler(tmp_path: Path) -> None:
    settings = Settings(rejects_dir=tmp_path / "rejected")
    url = f"sqlite:///{tmp_path / 'app.db'}"
    app = create_app(settings, store_url=url, scheduler=True)
    with TestClient(app) as client:
        scheduler = app.state.scheduler
        assert scheduler is not None and scheduler.running
        assert {j.id for j in scheduler.get_jobs()} == {jobs.NIGHTLY_JOB_ID, jobs.OVERDUE_JOB_ID}
        assert client.get("/").status_code == 200
    assert not scheduler.running

    plain = create_app(settings, store_url=url)
    with TestClient(plain):
        assert plain.state.scheduler is None
