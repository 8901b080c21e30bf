"""Scheduled jobs: called directly on a store, claimed once per slot across processes, and
registered on the scheduler."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi.testclient import TestClient

from scoring import jobs
from scoring.api import create_app
from scoring.importer import import_paths
from scoring.period import Period
from scoring.services import disputes
from scoring.services import periods as period_services
from scoring.services.access import Caller
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import Store, now_us, open_store
from scoring.store import periods as store_periods
from scoring.store.jobs import runs_of
from scoring.workdays import WorkCalendar
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
PERIOD = Period(2025, 10)
NIGHT = dt.datetime(2025, 10, 31, 2, 30, tzinfo=ZONE)
HR = Caller.local("hr")


def runtime(tmp_path: Path) -> Runtime:
    return Runtime(zone=ZONE, calendar=WorkCalendar.load(), rejects_dir=tmp_path / "rejected")


def load(store: Store, folder: Path) -> None:
    import_paths(
        store, [inputs.write(folder)], actor="hr", zone=ZONE, rejects_dir=folder / "rejected"
    )


def test_nightly_compute_materialises_the_draft_and_logs_totals(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(store, tmp_path / "in")
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        done = jobs.nightly_compute(store, runtime=runtime(tmp_path), period=PERIOD, now=NIGHT)
    assert done is not None and PERIOD.name in done.computed
    with store.begin() as conn:
        draft = store_periods.get_draft(conn, PERIOD.name)
    assert draft is not None and draft.totals and draft.totals["installers"] > 0
    assert "draft 2025-10" in caplog.text and "net" in caplog.text


def test_a_nightly_slot_runs_once_even_when_asked_twice(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    rt = runtime(tmp_path)
    assert jobs.nightly_compute(store, runtime=rt, period=PERIOD, now=NIGHT) is not None
    assert jobs.nightly_compute(store, runtime=rt, period=PERIOD, now=NIGHT) is None
    tomorrow = NIGHT + dt.timedelta(days=1)
    again = jobs.nightly_compute(store, runtime=rt, period=PERIOD, now=tomorrow)
    assert again is not None and again.computed == []  # nothing changed: the draft is fresh
    with store.begin() as conn:
        assert [r["slot"] for r in runs_of(conn, jobs.NIGHTLY_JOB_ID)] == [
            "2025-10-31",
            "2025-11-01",
        ]


CLAIM = """
import sys
from scoring.store import open_store
from scoring.store.jobs import claim_slot
with open_store(sys.argv[1]) as store:
    print("ran" if claim_slot(store, "nightly_compute", "2025-10-31", sys.argv[2]) else "skipped")
"""


def test_of_two_processes_started_together_one_runs_the_slot(store_url: str) -> None:
    open_store(store_url).close()
    started = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM, store_url, f"p{i}"], stdout=subprocess.PIPE, text=True
        )
        for i in range(2)
    ]
    said = sorted(p.communicate(timeout=120)[0].strip() for p in started)
    assert said == ["ran", "skipped"]


def test_nightly_compute_skips_a_closed_period(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    rt = runtime(tmp_path)
    period_services.close(store, caller=HR, period=PERIOD, runtime=rt)
    done = jobs.nightly_compute(store, runtime=rt, period=PERIOD, now=NIGHT)
    assert done is not None and PERIOD.name not in done.computed
    with store.begin() as conn:
        assert store_periods.get_draft(conn, PERIOD.name) is None


def test_overdue_disputes_are_logged(
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load(store, tmp_path / "in")
    rt = runtime(tmp_path)
    period_services.compute(store, caller=HR, period=PERIOD, runtime=rt)
    number = disputes.open_dispute(
        store,
        caller=HR,
        period=PERIOD,
        installer_id="I3",
        target_kind="line",
        target_id="low_score:S2",
        comment="打错分",
        runtime=rt,
    )
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        assert jobs.check_overdue(store, runtime=rt, now=NIGHT) == []
    assert "no overdue disputes" in caplog.text
    caplog.clear()

    in_a_month = now_us() + 30 * 86_400 * 1_000_000
    monkeypatch.setattr("scoring.services.disputes.now_us", lambda: in_a_month)
    later = NIGHT + dt.timedelta(hours=1)
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        found = jobs.check_overdue(store, runtime=rt, now=later)
    assert found is not None and [d["dispute_id"] for d in found] == [number]
    warnings_logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_logged) == 1
    assert f"#{number} overdue" in warnings_logged[0].getMessage()
    assert jobs.check_overdue(store, runtime=rt, now=later) is None  # this hour's check ran


def test_job_wrapper_logs_user_errors(caplog: pytest.LogCaptureFixture) -> None:
    from scoring.errors import InputError

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InputError("没有方案 / no plan")

    with caplog.at_level(logging.ERROR, logger="scoring.jobs"):
        jobs._logged("nightly_compute", refuse)
    assert "nightly_compute failed: 没有方案 / no plan" in caplog.text


def test_the_scheduler_registers_the_jobs(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'jobs.db'}") as store:
        scheduler = jobs.build_scheduler(store, runtime=runtime(tmp_path))
        found = {job.id: job for job in scheduler.get_jobs()}
        assert set(found) == {
            jobs.NIGHTLY_JOB_ID,
            jobs.REFRESH_JOB_ID,
            jobs.OVERDUE_JOB_ID,
            jobs.SLA_JOB_ID,
            jobs.REPORTS_JOB_ID,
        }
        sla = found[jobs.SLA_JOB_ID].trigger
        assert isinstance(sla, CronTrigger)
        assert str(sla.fields[sla.FIELD_NAMES.index("hour")]) == "6"
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
    app = create_app(settings, store_url=url, scheduler=True, refresh="off")
    with TestClient(app) as client:
        scheduler = app.state.scheduler
        assert scheduler is not None and scheduler.running
        # The pages answer (a sign-in redirect: nobody is signed in).
        assert client.get("/", follow_redirects=False).status_code == 303
    assert not scheduler.running

    plain = create_app(settings, store_url=url, refresh="off")
    with TestClient(plain):
        assert plain.state.scheduler is None


def test_the_refresh_targets_scan_the_input_tables_only_after_a_changing_import(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring.services import drafts

    scans: list[int] = []
    real = store_periods.latest_event_times

    def counted(conn: object) -> list[int]:
        found = real(conn)  # type: ignore[arg-type]
        scans.append(len(found))
        return found

    monkeypatch.setattr(store_periods, "latest_event_times", counted)
    load(store, tmp_path / "in")
    first = drafts.targets(store, runtime(tmp_path))
    assert PERIOD in first and scans == [4]
    assert drafts.targets(store, runtime(tmp_path)) == first and scans == [4]  # no new scan
    load(store, tmp_path / "again")  # the same rows: unchanged, no changing batch
    assert drafts.targets(store, runtime(tmp_path)) == first and scans == [4]
    surveys = inputs.SURVEYS.replace("2025-10-14T10:00:00", "2025-12-14T10:00:00")
    import_paths(
        store,
        [inputs.write(tmp_path / "december", {"surveys": surveys})],
        actor="hr",
        zone=ZONE,
        rejects_dir=tmp_path / "rejected",
    )
    later = drafts.targets(store, runtime(tmp_path))
    assert scans == [4, 4] and Period(2025, 12) in later and Period(2025, 12) not in first


SERVER = """
import datetime as dt, logging, sys, time
from pathlib import Path
from fastapi.testclient import TestClient
from scoring.api import create_app
from scoring.services.drafts import holder_name
from scoring.settings import Settings

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
folder = Path(sys.argv[2])
settings = Settings(rejects_dir=folder / "rejected", reports_dir=folder / "reports")
app = create_app(settings, store_url=sys.argv[1], scheduler=True, refresh="off")
with TestClient(app):
    scheduler = app.state.scheduler
    print(holder_name(), flush=True)  # started: the test now gives both the same moment
    when = dt.datetime.fromtimestamp(float(sys.stdin.readline()), tz=dt.timezone.utc)
    for job in scheduler.get_jobs():
        job.modify(next_run_time=when)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(
        job.next_run_time is not None and job.next_run_time <= when
        for job in scheduler.get_jobs()
    ):
        time.sleep(0.05)
# leaving the app shuts the scheduler down after the running jobs finish
"""


def test_two_servers_started_together_run_each_job_once(store_url: str, tmp_path: Path) -> None:
    # Two whole applications with their schedulers on one store, every job due at the same
    # moment in both: each slot's run is claimed by one of them, the other says so and skips,
    # and neither fails.
    with open_store(store_url) as store:
        load(store, tmp_path / "in")
    servers = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER, store_url, str(tmp_path / f"s{i}")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    holders = []
    for server in servers:
        assert server.stdout is not None
        holders.append(server.stdout.readline().strip())
    moment = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=1)
    if moment.minute == 59 and moment.second >= 55:  # both runs in one hourly slot
        moment += dt.timedelta(seconds=10)
    logs = [server.communicate(f"{moment.timestamp()}\n", timeout=180)[1] for server in servers]
    for server, log in zip(servers, logs, strict=True):
        assert server.returncode == 0, log
        assert "failed" not in log and "Traceback" not in log, log
    local = moment.astimezone(ZONE)
    slots = {
        jobs.NIGHTLY_JOB_ID: local.date().isoformat(),
        jobs.SLA_JOB_ID: local.date().isoformat(),
    }
    with open_store(store_url) as store, store.begin() as conn:
        for job_id, slot in slots.items():
            runs = [run for run in runs_of(conn, job_id) if run["slot"] == slot]
            assert len(runs) == 1 and runs[0]["holder"] in holders, runs
            assert runs[0]["outcome"] is not None, runs  # it ran to the end
        overdue = runs_of(conn, jobs.OVERDUE_JOB_ID)
        assert len(overdue) == 1 and overdue[0]["holder"] in holders, overdue
    skipped = [f"{job_id} {slot}: run by another process" for job_id, slot in slots.items()]
    for said in skipped:
        assert sum(said in log for log in logs) == 1, (said, logs)
