"""Simulating a plan (uploaded or proposed) against a past period: per installer, totals per
kind, the distribution of the change; the same amounts a real computation with the plan pays,
and nothing written. Both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.errors import InputError, PlanError
from scoring.importer import import_paths
from scoring.period import Period
from scoring.result import STATEMENT_MONEY_COLUMNS, Result
from scoring.services import periods as period_services
from scoring.services import plans
from scoring.services.access import Caller
from scoring.services.runtime import Runtime
from scoring.settings import get_settings
from scoring.simulation import Band, band_width, distribution
from scoring.store import Store
from scoring.workdays import WorkCalendar
from tests import inputs
from tests.plan_helpers import plan_people, plan_text

OCTOBER = Period.parse("2025-10")
#: Tables a simulation must leave as they were.
WRITTEN = (
    "drafts",
    "draft_statements",
    "draft_lines",
    "periods",
    "period_statements",
    "period_lines",
    "plans",
    "plan_proposals",
    "audit_log",
)


@pytest.fixture
def people(store: Store, tmp_path: Path) -> dict[str, Caller]:
    found = plan_people(store, tmp_path)
    settings = get_settings()
    import_paths(
        store,
        [inputs.write(tmp_path / "month", inputs.ALL)],
        actor="test",
        zone=settings.zone,
        rejects_dir=settings.rejects_dir,
    )
    return found


@pytest.fixture
def runtime() -> Runtime:
    return Runtime.of(get_settings(), WorkCalendar.load())


def counts(store: Store) -> dict[str, int]:
    return {t: int(store.read_frame(f"SELECT COUNT(*) AS n FROM {t}").item()) for t in WRITTEN}


def sums(result: Result) -> dict[str, int]:
    """Every statement money column of a result, summed."""
    return {c: int(result.statements.get_column(c).sum()) for c in STATEMENT_MONEY_COLUMNS}


def nets(result: Result) -> dict[str, int]:
    return dict(result.statements.select("installer_id", "net_fen").iter_rows())


def simulated(found: plans.PlanSimulation, side: str) -> dict[str, int]:
    attribute = "now_fen" if side == "now" else "simulated_fen"
    return {t.column: getattr(t, attribute) for t in found.totals}


def write_plan(folder: Path, text: str, name: str = "richer.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the distribution -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "bands", "width"),
    [
        (0, 0, 20, 1),
        (1, 20, 20, 1),
        (1, 21, 20, 2),
        (-600, 600, 20, 100),
        (-3_000, 125_000, 20, 10_000),
        (400, 600, 1, 1_000),
    ],
)
def test_band_width_is_the_smallest_nice_width_that_fits(
    low: int, high: int, bands: int, width: int
) -> None:
    assert band_width(low, high, bands) == width
    assert high // width - low // width + 1 <= bands


def test_the_distribution_counts_changes_in_contiguous_bands_and_unchanged_apart() -> None:
    changes = pl.Series([0, 0, 0, -150, -1, 1, 99, 100, 450], dtype=pl.Int64)
    found = distribution(changes, max_bands=10)
    assert (found.decreased, found.unchanged, found.increased) == (2, 3, 4)
    assert found.width_fen == 100
    assert found.bands == (
        Band(-200, -100, 1),
        Band(-100, 0, 1),
        Band(0, 100, 2),  # 1 and 99; the three zeros are counted apart
        Band(100, 200, 1),
        Band(200, 300, 0),
        Band(300, 400, 0),
        Band(400, 500, 1),
    )
    assert sum(b.count for b in found.bands) == found.decreased + found.increased
    nothing = distribution(pl.Series([0, 0], dtype=pl.Int64))
    assert nothing.bands == () and nothing.unchanged == 2


# -- against the period ---------------------------------------------------------------------


def test_an_open_period_simulates_what_a_computation_with_the_plan_pays(
    store: Store, people: dict[str, Caller], runtime: Runtime, tmp_path: Path
) -> None:
    text = plan_text("20.00")
    before = counts(store)
    found = plans.simulate(
        store,
        caller=people["ops1"],
        period=OCTOBER,
        runtime=runtime,
        raw=text.encode(),
        source="richer.yaml",
    )
    assert counts(store) == before  # no draft, no plan, no audit entry
    assert (found.period, found.period_status, found.plan, found.source) == (
        "2025-10",
        "open",
        "standard v2",
        "richer.yaml",
    )

    trial, _ = period_services.compute(
        store,
        caller=people["hr1"],
        period=OCTOBER,
        runtime=runtime,
        plan_path=write_plan(tmp_path, text),
    )
    now, _ = period_services.compute(store, caller=people["hr1"], period=OCTOBER, runtime=runtime)
    assert simulated(found, "new") == sums(trial)
    assert simulated(found, "now") == sums(now)
    per_installer = dict(found.per_installer.select("installer_id", "net_fen_draft").iter_rows())
    assert per_installer == nets(trial)
    changes = dict(found.per_installer.select("installer_id", "change_fen").iter_rows())
    assert changes == {i: nets(trial)[i] - nets(now).get(i, 0) for i in nets(trial)}
    net = found.total()
    assert net.change_fen == net.simulated_fen - net.now_fen != 0
    moved = found.distribution
    assert moved.increased == sum(1 for c in changes.values() if c > 0)
    assert moved.unchanged == sum(1 for c in changes.values() if c == 0)
    assert sum(b.count for b in moved.bands) == moved.increased + moved.decreased

    # With a fresh draft stored, what the period pays now is read, not computed again.
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("computed the period again")

    import scoring.periods

    original = scoring.periods.result_for_export
    scoring.periods.result_for_export = refuse  # type: ignore[assignment]
    try:
        again = plans.simulate(
            store, caller=people["ops2"], period=OCTOBER, runtime=runtime, raw=text.encode()
        )
    finally:
        scoring.periods.result_for_export = original
    assert_frame_equal(again.per_installer, found.per_installer)


def test_a_closed_period_simulates_against_what_it_paid(
    store: Store, people: dict[str, Caller], runtime: Runtime, tmp_path: Path
) -> None:
    richer = plan_text("20.00")
    trial, _ = period_services.compute(
        store,
        caller=people["hr1"],
        period=OCTOBER,
        runtime=runtime,
        plan_path=write_plan(tmp_path, richer),
    )
    closed = period_services.close(store, caller=people["hr1"], period=OCTOBER, runtime=runtime)
    before = counts(store)
    found = plans.simulate(
        store, caller=people["ops1"], period=OCTOBER, runtime=runtime, raw=richer.encode()
    )
    assert found.period_status == "closed"
    assert simulated(found, "now") == sums(closed)
    assert simulated(found, "new") == sums(trial)
    legacy = period_services.simulate(
        store,
        caller=people["ops1"],
        period=OCTOBER,
        plan_path=write_plan(tmp_path, richer),
        runtime=runtime,
    )
    assert found.total().now_fen == legacy.total_now_fen
    assert found.total().simulated_fen == legacy.total_draft_fen
    # The plan it was closed with changes nothing.
    same = plans.simulate(
        store,
        caller=people["ops1"],
        period=OCTOBER,
        runtime=runtime,
        raw=plan_text("10.00", version=1).encode(),
    )
    assert same.per_installer.get_column("change_fen").to_list() == [0] * same.installers
    assert same.distribution.bands == () and same.distribution.unchanged == same.installers
    assert counts(store) == before


def test_a_proposal_simulated_pays_what_the_period_pays_once_it_is_approved(
    store: Store, people: dict[str, Caller], runtime: Runtime
) -> None:
    proposal = plans.propose(
        store,
        caller=people["ops1"],
        raw=plan_text("20.00").encode(),
        source="v2.yaml",
        note="提高五星奖励",
    )
    found = plans.simulate(
        store,
        caller=people["ops2"],
        period=OCTOBER,
        runtime=runtime,
        proposal_id=proposal.proposal_id,
    )
    assert (found.source, found.proposal_id, found.plan) == ("#1", 1, "standard v2")
    plans.approve(store, caller=people["ops2"], proposal_id=proposal.proposal_id)
    result, stored = period_services.compute(
        store, caller=people["hr1"], period=OCTOBER, runtime=runtime
    )
    assert stored is not None and stored.version == "2"
    assert simulated(found, "new") == sums(result)
    assert dict(found.per_installer.select("installer_id", "net_fen_draft").iter_rows()) == nets(
        result
    )


def test_pages_of_installers_by_id_or_biggest_change(
    store: Store, people: dict[str, Caller], runtime: Runtime
) -> None:
    found = plans.simulate(
        store,
        caller=people["ops1"],
        period=OCTOBER,
        runtime=runtime,
        raw=plan_text("20.00").encode(),
    )
    by_id = found.page().get_column("installer_id").to_list()
    assert by_id == sorted(by_id) and len(by_id) == found.installers
    biggest = found.page(order="change").get_column("change_fen").to_list()
    assert [abs(c) for c in biggest] == sorted((abs(c) for c in biggest), reverse=True)
    assert found.page(offset=1, limit=1).get_column("installer_id").to_list() == by_id[1:2]
    assert found.page(offset=found.installers).height == 0
    with pytest.raises(InputError, match="order is one of"):
        found.page(order="name")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        found.page(offset=-1)


def test_bad_simulations_are_refused_clearly(
    store: Store, people: dict[str, Caller], runtime: Runtime
) -> None:
    ops = people["ops1"]
    with pytest.raises(InputError, match="either a plan file or a proposal"):
        plans.simulate(store, caller=ops, period=OCTOBER, runtime=runtime)
    with pytest.raises(InputError, match="either a plan file or a proposal"):
        plans.simulate(
            store, caller=ops, period=OCTOBER, runtime=runtime, raw=b"id: x\n", proposal_id=1
        )
    with pytest.raises(PlanError) as caught:
        plans.simulate(
            store, caller=ops, period=OCTOBER, runtime=runtime, raw=b"id: x\n", source="x.yaml"
        )
    assert caught.value.problems and caught.value.problems[0].source == "x.yaml"
    with pytest.raises(InputError, match="period 2026-03 has no data"):
        plans.simulate(
            store,
            caller=ops,
            period=Period.parse("2026-03"),
            runtime=runtime,
            raw=plan_text().encode(),
        )
    from scoring.errors import NotFoundError

    with pytest.raises(NotFoundError):
        plans.simulate(store, caller=ops, period=OCTOBER, runtime=runtime, proposal_id=7)
