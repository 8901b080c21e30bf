"""Each team's share of service-level checks met, beside its figures in the ranking: computed
with the draft or the close, stored with the ranking, in the export; pay unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring import pipeline, service_levels
from scoring.importer import import_paths
from scoring.period import Period
from scoring.rules.load import load_plan, standard_plan_path
from scoring.services import exports, statements
from scoring.services import periods as period_services
from scoring.services.access import Caller, Role
from scoring.services.runtime import Runtime
from scoring.store import Store
from scoring.store.records import load_all
from scoring.workdays import WorkCalendar
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
PERIOD = Period(2025, 10)
HR = Caller.local("hr")
AS_OF = dt.date(2025, 10, 31)


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setattr("scoring.periods.today", lambda zone: AS_OF)
    return Runtime(zone=ZONE, calendar=WorkCalendar.load(), rejects_dir=tmp_path / "rejected")


def load(store: Store, folder: Path) -> None:
    import_paths(
        store, [inputs.write(folder)], actor="hr", zone=ZONE, rejects_dir=folder / "rejected"
    )


SLA = ("sla_checks", "sla_met", "sla_breached", "sla_pending", "sla_share_met", "sla_as_of")


def figures(rows: list[dict[str, object]]) -> dict[str, tuple[object, ...]]:
    return {str(r["team_id"]): tuple(r[name] for name in SLA) for r in rows}


EXPECTED = {
    "T1": (1, 1, 0, 0, "1.000", "2025-10-31"),
    "T2": (1, 1, 0, 0, "1.000", "2025-10-31"),
    "T3": (2, 0, 1, 1, "0.000", "2025-10-31"),
}


def test_the_draft_ranking_carries_each_teams_service_levels(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    load(store, tmp_path / "in")
    period_services.compute(store, caller=HR, period=PERIOD, runtime=runtime)
    page = statements.ranking(store, caller=HR, period=PERIOD)
    assert figures(page.rows) == EXPECTED
    dealer = Caller("d2", Role.DEALER, dealer_ids=frozenset({"D2"}))
    mine = statements.ranking(store, caller=dealer, period=PERIOD)
    assert figures(mine.rows) == {"T3": EXPECTED["T3"]}


def test_the_closed_ranking_keeps_them_and_the_export_shows_them(
    store: Store, tmp_path: Path, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(store, tmp_path / "in")
    period_services.close(store, caller=HR, period=PERIOD, runtime=runtime)
    # Read later, the ranking is what the close stored (as of the close), never recomputed.
    monkeypatch.setattr("scoring.periods.today", lambda zone: dt.date(2025, 12, 1))
    assert figures(statements.ranking(store, caller=HR, period=PERIOD).rows) == EXPECTED
    files = exports.export(
        store,
        caller=HR,
        period=PERIOD,
        out_dir=tmp_path / "out",
        headings="zh",
        runtime=runtime,
        fresh=False,
    )
    book = openpyxl.load_workbook(files.xlsx, read_only=True)
    try:
        rows = [list(r) for r in book["ranking"].iter_rows(values_only=True)]
    finally:
        book.close()
    header = rows[0]
    assert "服务承诺达成率" in header and "服务承诺统计日期" in header
    share = header.index("服务承诺达成率")
    team = header.index("团队编号")
    assert {r[team]: r[share] for r in rows[1:]} == {"T1": 1, "T2": 1, "T3": 0}


def test_pay_is_the_same_with_or_without_the_service_levels(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    """Statements and lines of the stored draft equal the bare pipeline's to the fen."""
    load(store, tmp_path / "in")
    result, _ = period_services.compute(store, caller=HR, period=PERIOD, runtime=runtime)
    bare = pipeline.run(
        PERIOD, load_plan(standard_plan_path()), load_all(store), calendar=WorkCalendar.load()
    )
    assert_frame_equal(result.statements, bare.statements)
    assert_frame_equal(result.lines, bare.lines)
    assert set(result.ranking.columns) - set(bare.ranking.columns) == set(SLA)
    assert_frame_equal(result.ranking.select(bare.ranking.columns), bare.ranking)


def test_a_team_without_checks_has_none_and_no_share() -> None:
    ranking = pl.DataFrame({"team_id": ["T1", "T9"], "rank": [1, None]})
    totals = pl.DataFrame(
        {
            "team_id": ["T1"],
            "sla_checks": [3],
            "sla_met": [2],
            "sla_breached": [1],
            "sla_pending": [0],
            "sla_share_met": ["0.667"],
        }
    )
    joined = service_levels.with_team_totals(ranking, totals, AS_OF)
    assert joined.to_dicts()[1] == {
        "team_id": "T9",
        "rank": None,
        "sla_checks": 0,
        "sla_met": 0,
        "sla_breached": 0,
        "sla_pending": 0,
        "sla_share_met": None,
        "sla_as_of": "2025-10-31",
    }


def test_team_totals_agree_with_the_per_check_summary(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    plan = load_plan(standard_plan_path())
    options = {"period": PERIOD, "as_of": AS_OF, "zone": ZONE, "calendar": WorkCalendar.load()}
    levels = service_levels.evaluate(plan, load_all(store), **options)  # type: ignore[arg-type]
    summed = (
        levels.by_team.group_by("team_id")
        .agg(pl.col("checks").sum().alias("sla_checks"), pl.col("met").sum().alias("sla_met"))
        .sort("team_id")
    )
    totals = service_levels.team_totals(plan, load_all(store), **options)  # type: ignore[arg-type]
    assert_frame_equal(totals.select(summed.columns).sort("team_id"), summed)
