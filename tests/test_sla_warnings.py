"""The daily service-level warnings: the job (claimed once a day), what it stores, the scoped
reads and GET /api/service-levels/warnings; both stores."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from fastapi.testclient import TestClient

from scoring import jobs, service_levels
from scoring.api import create_app
from scoring.errors import InputError, NotFoundError
from scoring.importer import import_paths
from scoring.services import sla_warnings
from scoring.services.access import Caller, Forbidden, Role
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import Store, open_store
from scoring.store.jobs import runs_of
from scoring.workdays import WorkCalendar
from tests import inputs
from tests.auth_helpers import api_token, bearer, make_user, make_users

ZONE = ZoneInfo("Asia/Shanghai")
HR = Caller.local("hr")
DEALER1 = Caller("d1", Role.DEALER, dealer_ids=frozenset({"D1"}))
DEALER2 = Caller("d2", Role.DEALER, dealer_ids=frozenset({"D2"}))


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(6, 0), tzinfo=ZONE)


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return Runtime(zone=ZONE, calendar=WorkCalendar.load(), rejects_dir=tmp_path / "rejected")


def load(store: Store, folder: Path) -> None:
    import_paths(
        store, [inputs.write(folder)], actor="hr", zone=ZONE, rejects_dir=folder / "rejected"
    )


def kinds(found: sla_warnings.Warnings) -> list[tuple[str, str, str, str | None]]:
    return [(r["kind"], r["check_id"], r["record_id"], r["team_id"]) for r in found.rows]


# -- which checks warn on a day (pure) ------------------------------------------------------


def test_warnings_of_a_day_pick_pending_due_today_or_tomorrow_and_breached_yesterday() -> None:
    day = dt.date(2025, 11, 12)
    checks = pl.DataFrame(
        {
            "check": ["revisit"] * 6,
            "record_id": ["A", "B", "C", "D", "E", "F"],
            "dealer_id": ["D1"] * 6,
            "team_id": ["T1"] * 6,
            "due_date": [
                dt.date(2025, 11, 12),  # pending, due today
                dt.date(2025, 11, 13),  # pending, due tomorrow
                dt.date(2025, 11, 11),  # breached yesterday
                dt.date(2025, 11, 12),  # met: no warning
                dt.date(2025, 11, 10),  # breached before yesterday: no warning
                dt.date(2025, 11, 14),  # pending, due later: no warning
            ],
            "status": ["pending", "pending", "breached", "met", "breached", "pending"],
        }
    )
    found = sla_warnings.warnings_of(checks, day)
    assert list(zip(found["kind"], found["record_id"], strict=True)) == [
        ("due_today", "A"),
        ("due_tomorrow", "B"),
        ("breached_yesterday", "C"),
    ]


def test_the_periods_checked_around_a_day_reach_two_months_back() -> None:
    names = [p.name for p in sla_warnings.periods_around(dt.date(2025, 1, 5))]
    assert names == ["2024-11", "2024-12", "2025-01"]


# -- the job and the store -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-10-15", [("due_tomorrow", "complaint_callback", "C1", "T3")]),
        ("2025-10-16", [("due_today", "complaint_callback", "C1", "T3")]),
        ("2025-10-17", [("breached_yesterday", "complaint_callback", "C1", "T3")]),
        ("2025-11-11", [("due_tomorrow", "revisit", "J2", "T3")]),
        ("2025-11-13", [("breached_yesterday", "revisit", "J2", "T3")]),
        ("2025-11-09", []),  # J1's revisit is due tomorrow but was done: nothing to warn
    ],
)
def test_the_daily_job_stores_the_days_warnings(
    store: Store, tmp_path: Path, runtime: Runtime, day: str, expected: list[tuple[str, ...]]
) -> None:
    load(store, tmp_path / "in")
    done = jobs.check_service_levels(store, runtime=runtime, now=at(day))
    assert done is not None and done.day.isoformat() == day
    found = sla_warnings.warnings(store, caller=HR)
    assert found.day == day
    assert kinds(found) == expected
    assert found.total == len(expected)


def test_a_day_runs_once_and_says_what_it_stored(
    store: Store, tmp_path: Path, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    load(store, tmp_path / "in")
    with caplog.at_level(logging.INFO, logger="scoring.jobs"):
        assert jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16")) is not None
    assert "dealer D2, team T3: 1" in caplog.text and "due_today 1" in caplog.text
    assert jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16")) is None
    with store.begin() as conn:
        (run,) = runs_of(conn, jobs.SLA_JOB_ID)
    assert run["slot"] == "2025-10-16"
    assert str(run["outcome"]).startswith("stored: due_today 1, due_tomorrow 0")


def test_the_newest_run_is_shown_and_older_days_stay_readable(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    load(store, tmp_path / "in")
    jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16"))
    jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-17"))
    assert kinds(sla_warnings.warnings(store, caller=HR))[0][0] == "breached_yesterday"
    older = sla_warnings.warnings(store, caller=HR, day="2025-10-16")
    assert kinds(older) == [("due_today", "complaint_callback", "C1", "T3")]
    assert sla_warnings.warnings(store, caller=HR, day="2025-10-01").rows == []


def test_days_older_than_the_retention_are_deleted(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    load(store, tmp_path / "in")
    jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16"))
    later = dt.date(2025, 10, 16) + dt.timedelta(days=sla_warnings.KEEP_DAYS + 1)
    jobs.check_service_levels(store, runtime=runtime, now=at(later.isoformat()))
    assert sla_warnings.warnings(store, caller=HR, day="2025-10-16").rows == []


def test_reads_are_scoped_and_bad_asks_are_clear(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    load(store, tmp_path / "in")
    before = sla_warnings.warnings(store, caller=HR)
    assert before.day is None and before.rows == [] and before.by_team == []
    jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16"))
    assert sla_warnings.warnings(store, caller=DEALER1).rows == []
    mine = sla_warnings.warnings(store, caller=DEALER2)
    assert kinds(mine) == [("due_today", "complaint_callback", "C1", "T3")]
    assert mine.by_team == [
        {
            "dealer_id": "D2",
            "team_id": "T3",
            "due_today": 1,
            "due_tomorrow": 0,
            "breached_yesterday": 0,
        }
    ]
    with pytest.raises(NotFoundError):
        sla_warnings.warnings(store, caller=DEALER1, dealer_id="D2")
    with pytest.raises(NotFoundError):
        sla_warnings.warnings(store, caller=HR, dealer_id="D9")
    with pytest.raises(Forbidden):
        sla_warnings.warnings(store, caller=Caller("i1", Role.INSTALLER, installer_id="I1"))
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        sla_warnings.warnings(store, caller=HR, day="16.10.2025")
    with pytest.raises(InputError, match="kind"):
        sla_warnings.warnings(store, caller=HR, kind="late")
    assert sla_warnings.warnings(store, caller=HR, kind="due_tomorrow").rows == []


def test_a_period_whose_plan_has_no_service_levels_is_skipped(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    from scoring.periods import store_plan_file
    from scoring.rules.load import standard_plan_path

    load(store, tmp_path / "in")
    text = standard_plan_path().read_text(encoding="utf-8")
    bare = tmp_path / "bare.yaml"
    bare.write_text(text[: text.index("\nservice_levels:")] + "\n", encoding="utf-8")
    store_plan_file(store, bare, actor="ops", activate=True)
    done = jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16"))
    assert done is not None and done.checked == [] and len(done.skipped) == 3
    assert sla_warnings.warnings(store, caller=HR).day == "2025-10-16"


def test_done_late_breaches_show_when_they_were_done(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    files = dict(inputs.ALL)
    files["revisits"] = inputs.REVISITS + "R2,J2,2025-10-17T09:30:00,yes,yes,yes\n"
    load(store, tmp_path / "late")
    import_paths(
        store,
        [inputs.write(tmp_path / "late2", {"revisits": files["revisits"]})],
        actor="hr",
        zone=ZONE,
        rejects_dir=tmp_path / "r",
    )
    jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-17"))
    (row,) = sla_warnings.warnings(store, caller=HR).rows
    assert (row["kind"], row["record_id"]) == ("breached_yesterday", "C1")
    done_at = dt.datetime.fromtimestamp(row["done_at"] / 1e6, tz=ZONE)
    assert done_at == dt.datetime(2025, 10, 17, 9, 30, tzinfo=ZONE)
    assert service_levels.BREACHED == row["status"]


# -- the API --------------------------------------------------------------------------------


@pytest.fixture
def client(store_url: str, tmp_path: Path, runtime: Runtime) -> Iterator[TestClient]:
    with open_store(store_url) as store:
        load(store, tmp_path / "in")
        make_users(store)
        make_user(store, Role.DEALER, login="dealer2", dealer_ids=("D2",))
        jobs.check_service_levels(store, runtime=runtime, now=at("2025-10-16"))
    settings = Settings(rejects_dir=tmp_path / "rejected")
    with TestClient(create_app(settings, store_url=store_url, refresh="off")) as test_client:
        yield test_client


def test_the_api_gives_the_scoped_warnings(client: TestClient) -> None:
    url = "/api/service-levels/warnings"
    hr = client.get(url, headers=bearer(api_token(client, "hr1")))
    assert hr.status_code == 200, hr.text
    body = hr.json()
    assert body["day"] == "2025-10-16" and body["total"] == 1
    assert body["warnings"] == [
        {
            "kind": "due_today",
            "period": "2025-10",
            "check": "complaint_callback",
            "record_id": "C1",
            "job_id": "J2",
            "team_id": "T3",
            "dealer_id": "D2",
            "due_date": "2025-10-16",
            "done_at": None,
            "status": "pending",
        }
    ]
    assert body["by_team"][0]["team_id"] == "T3" and body["by_team"][0]["due_today"] == 1
    d1 = client.get(url, headers=bearer(api_token(client, "dealer1"))).json()
    assert d1["warnings"] == [] and d1["by_team"] == [] and d1["day"] == "2025-10-16"
    d2 = client.get(url, headers=bearer(api_token(client, "dealer2"))).json()
    assert d2["total"] == 1
    dealer1 = bearer(api_token(client, "dealer1"))
    outside = client.get(url, params={"dealer_id": "D2"}, headers=dealer1)
    assert outside.status_code == 404 and "C1" not in outside.text
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(api_token(client, "I1"))).status_code == 403
    bad = client.get(url, params={"day": "yesterday"}, headers=bearer(api_token(client, "hr1")))
    assert bad.status_code == 400
