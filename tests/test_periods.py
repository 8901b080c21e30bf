"""Periods: close and lock, corrections after close, manual adjustments, plan versions."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from scoring.errors import PeriodError
from scoring.importer import import_paths
from scoring.periods import Context, close, compute, result_for_export, simulate
from scoring.result import Result
from scoring.rules.load import standard_plan_path
from scoring.store import Store
from scoring.store import adjustments as store_adjustments
from scoring.store import periods as store_periods
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")


def load(store: Store, folder: Path, files: dict[str, str] | None = None) -> None:
    import_paths(
        store,
        [inputs.write(folder, files)],
        actor="hr",
        zone=ZONE,
        rejects_dir=folder / "rejected",
    )


def ctx(store: Store) -> Context:
    return Context.load(store, zone=ZONE)


def by_rule(lines: pl.DataFrame, installer: str) -> dict[str, int]:
    mine = lines.filter(pl.col("installer_id") == installer)
    grouped = mine.group_by("rule_id").agg(pl.col("amount_fen").sum()).sort("rule_id")
    return {r: int(a) for r, a in grouped.iter_rows()}


def activate_carrying_plan(store: Store, folder: Path) -> Path:
    """Put in force the standard plan with a 0.5% statutory cap that carries the excess."""
    from scoring.periods import store_plan_file

    text = standard_plan_path().read_text(encoding="utf-8")
    text = text.replace("above_cap: waive", "above_cap: carry_forward")
    text = text.replace('percent_of_base_wage: "20"', 'percent_of_base_wage: "0.5"')
    plan = folder / "carrying.yaml"
    plan.write_text(text, encoding="utf-8")
    store_plan_file(store, plan, actor="ops", activate=True)
    return plan


def test_close_freezes_exactly_what_was_computed(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    draft, _ = compute(ctx(store), "2025-10", actor="hr")
    closed = close(ctx(store), "2025-10", actor="hr")
    assert closed.draft is False
    assert closed.lines.equals(draft.lines)
    assert closed.statements.equals(draft.statements)
    assert closed.about["status"] == "CLOSED" and closed.about["closed_by"] == "hr"
    assert (
        closed.about["plan"]["id"] == "standard"
        if isinstance(closed.about.get("plan"), dict)
        else True
    )
    with store.begin() as conn:
        row = store_periods.get_period(conn, "2025-10")
    assert row is not None and row.status == "closed" and row.plan_id == "standard"


def test_closing_a_closed_period_is_refused(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    with pytest.raises(PeriodError, match="already closed"):
        close(ctx(store), "2025-10", actor="hr")
    with pytest.raises(PeriodError, match="closed"):
        compute(ctx(store), "2025-10", actor="hr")


def test_a_closed_period_exports_the_same_for_ever(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    before = result_for_export(ctx(store), "2025-10", actor="hr")
    changed = inputs.COMPLAINTS.replace("installer,2025", "customer_unreasonable,2025")
    load(store, tmp_path / "fix", {"complaints": changed})
    after = result_for_export(ctx(store), "2025-10", actor="hr")
    assert after.lines.equals(before.lines)
    assert after.statements.equals(before.statements)
    assert after.about == before.about


def test_a_verdict_changed_after_close_is_paid_next_period(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    changed = inputs.COMPLAINTS.replace("installer,2025", "customer_unreasonable,2025")
    load(store, tmp_path / "fix", {"complaints": changed})
    november, _ = compute(ctx(store), "2025-11", actor="hr")
    adjustments = november.lines.filter(pl.col("kind") == "adjustment")
    assert set(adjustments.get_column("corrects_period")) == {"2025-10"}
    # I3 was charged 50.00 for the complaint and 30.00 for the 1-star survey; with the customer
    # judged unreasonable both go, and the grievance allowance of 50.00 is due.
    assert by_rule(adjustments, "I3") == {
        "complaint_upheld": 5000,
        "grievance": 5000,
        "low_score": 3000,
    }
    upheld = adjustments.filter(pl.col("rule_id") == "complaint_upheld").row(0, named=True)
    assert upheld["source"] == "complaint" and upheld["source_id"] == "C1"
    statement = november.statements.filter(pl.col("installer_id") == "I3").row(0, named=True)
    assert statement["prior_period_adjustment_fen"] == 13000
    assert statement["net_fen"] == 13000


def test_a_correction_can_take_money_back(store: Store, tmp_path: Path) -> None:
    unreasonable = inputs.COMPLAINTS.replace("installer,2025", "customer_unreasonable,2025")
    load(store, tmp_path / "in", {**inputs.ALL, "complaints": unreasonable})
    close(ctx(store), "2025-10", actor="hr")
    load(store, tmp_path / "fix", {"complaints": inputs.COMPLAINTS})
    november, _ = compute(ctx(store), "2025-11", actor="hr")
    adjustments = november.lines.filter(pl.col("kind") == "adjustment")
    assert by_rule(adjustments, "I3") == {
        "complaint_upheld": -5000,
        "grievance": -5000,
        "low_score": -3000,
    }


def test_corrections_of_several_months_back_go_to_the_next_open_period(
    store: Store, tmp_path: Path
) -> None:
    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    close(ctx(store), "2025-11", actor="hr")
    late_survey = "survey_id,job_id,surveyed_at,overall\nS9,J2,2025-10-20T10:00:00,5\n"
    load(store, tmp_path / "late", {"surveys": late_survey})
    december, _ = compute(ctx(store), "2025-12", actor="hr")
    adjustments = december.lines.filter(pl.col("kind") == "adjustment")
    assert set(adjustments.get_column("corrects_period")) == {"2025-10"}
    # S9 is later than S2 on J2, so it counts instead: the 1-star deduction goes, and the
    # 5-star bonus is not paid because J2 has a complaint with the installer at fault.
    assert by_rule(adjustments, "I3") == {"low_score": 3000}
    with store.begin() as conn:
        assert store_periods.get_period(conn, "2025-12") is not None


def test_paid_corrections_are_not_paid_twice(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    changed = inputs.COMPLAINTS.replace("installer,2025", "customer_unreasonable,2025")
    load(store, tmp_path / "fix", {"complaints": changed})
    close(ctx(store), "2025-11", actor="hr")
    december, _ = compute(ctx(store), "2025-12", actor="hr")
    assert december.lines.filter(pl.col("kind") == "adjustment").height == 0


def test_manual_adjustments_go_into_open_periods_only(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    with store.begin() as conn:
        store_adjustments.add_manual(
            conn,
            period="2025-10",
            installer_id="I2",
            amount_fen=-1234,
            reason="借支扣回",
            author="hr-wang",
        )
    draft, _ = compute(ctx(store), "2025-10", actor="hr")
    manual = draft.lines.filter(pl.col("kind") == "manual").row(0, named=True)
    assert manual["amount_fen"] == -1234 and "hr-wang" in manual["explanation_zh"]
    statement = draft.statements.filter(pl.col("installer_id") == "I2").row(0, named=True)
    assert statement["manual_adjustment_fen"] == -1234
    close(ctx(store), "2025-10", actor="hr")
    with pytest.raises(PeriodError, match="closed"), store.begin() as conn:
        store_adjustments.add_manual(
            conn, period="2025-10", installer_id="I2", amount_fen=100, reason="x", author="hr"
        )


def test_two_closes_at_once_pay_once(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    outcomes: list[str] = []

    def go() -> None:
        try:
            close(ctx(store), "2025-10", actor="hr")
            outcomes.append("closed")
        except PeriodError:
            outcomes.append("refused")

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["closed", "refused"]
    lines = store.read_frame("SELECT COUNT(*) AS n FROM period_lines").item()
    assert lines == close_lines(store)


def close_lines(store: Store) -> int:
    return int(result_for_export(ctx(store), "2025-10", actor="hr").lines.height)


def test_a_plan_version_applies_from_its_effective_date(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    text = standard_plan_path().read_text(encoding="utf-8")
    assert "version: 1" in text
    v2 = text.replace("version: 1", "version: 2", 1)
    v2 = v2.replace(
        v2[v2.index("effective_from:") : v2.index("\n", v2.index("effective_from:"))],
        "effective_from: 2025-11-01",
    )
    path = tmp_path / "standard-v2.yaml"
    path.write_text(v2, encoding="utf-8")
    from scoring.periods import plan_for, store_plan_file

    october = plan_for(store, "2025-10", actor="hr")
    store_plan_file(store, path, actor="ops", activate=True)
    assert plan_for(store, "2025-10", actor="hr").version == october.version
    assert plan_for(store, "2025-11", actor="hr").version == "2"


def test_simulate_changes_nothing_and_compares(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path / "in")
    text = standard_plan_path().read_text(encoding="utf-8")
    richer = tmp_path / "richer.yaml"
    richer.write_text(text.replace('amount: "10.00"', 'amount: "20.00"', 1), encoding="utf-8")
    before = store.read_frame("SELECT COUNT(*) AS n FROM audit_log").item()
    comparison = simulate(ctx(store), "2025-10", richer, actor="ops")
    i1 = comparison.per_installer.filter(pl.col("installer_id") == "I1").row(0, named=True)
    assert i1["change_fen"] == 600  # five_star 10.00 → 20.00, I1's 60% share
    assert comparison.total_draft_fen - comparison.total_now_fen == 1000
    assert store.read_frame("SELECT COUNT(*) AS n FROM audit_log").item() == before


def test_deductions_above_a_carrying_cap_move_to_the_next_period(
    store: Store, tmp_path: Path
) -> None:
    activate_carrying_plan(store, tmp_path)
    load(store, tmp_path / "in")
    october = close(ctx(store), "2025-10", actor="hr")
    # I3 (base wage 3000.00) lost 30.00 + 50.00; its cap is 0.5% = 15.00: 65.00 waived now…
    assert by_rule(october.lines, "I3") == {
        "complaint_upheld": -5000,
        "low_score": -3000,
        "statutory_cap": 6500,
    }
    november, _ = compute(ctx(store), "2025-11", actor="hr")
    # …and deducted in November, where the same cap waives all but 15.00 of it again.
    assert by_rule(november.lines, "I3") == {"carried_deduction": -6500, "statutory_cap": 5000}
    carried = november.lines.filter(pl.col("rule_id") == "carried_deduction").row(0, named=True)
    assert carried["kind"] == "deduction" and carried["source_id"] == "2025-10"
    statement = november.statements.filter(pl.col("installer_id") == "I3").row(0, named=True)
    assert statement["deduction_before_cap_fen"] == 6500
    assert statement["net_fen"] == -1500


KILL_MIDWAY = """
import os, signal, sys
from pathlib import Path
from zoneinfo import ZoneInfo
import scoring.store.results as sp
from scoring.periods import Context, close
from scoring.store import open_store

real = sp.ingest_frame

def dying(cur, table, frame, **kw):
    real(cur, table, frame, **kw)
    if table == "period_lines":  # the lines are written, the statements are not yet
        os.kill(os.getpid(), signal.SIGKILL)

sp.ingest_frame = dying
with open_store(sys.argv[1]) as store:
    close(Context.load(store, zone=ZoneInfo("Asia/Shanghai")), "2025-10", actor="hr")
"""


def test_a_close_killed_midway_leaves_the_period_open_and_whole(
    store: Store, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys

    load(store, tmp_path / "in")
    before, _ = compute(ctx(store), "2025-10", actor="hr")
    killed = subprocess.run(
        [sys.executable, "-c", KILL_MIDWAY, store.url], capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with store.begin() as conn:
        row = store_periods.get_period(conn, "2025-10")
    assert row is not None and row.status == "open"
    assert store.read_frame("SELECT COUNT(*) AS n FROM period_lines").item() == 0
    assert store.read_frame("SELECT COUNT(*) AS n FROM period_statements").item() == 0
    closed = close(ctx(store), "2025-10", actor="hr")
    assert closed.lines.equals(before.lines)


def test_closed_periods_are_recomputed_only_after_a_change(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scoring.periods as periods_module

    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    calls: list[str] = []
    real = periods_module._raw_lines

    def counting(context: Context, period: str, *args: object) -> pl.DataFrame:
        calls.append(period)
        return real(context, period, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(periods_module, "_raw_lines", counting)
    compute(ctx(store), "2025-11", actor="hr")
    assert calls == []  # nothing imported since the close: nothing to correct
    load(store, tmp_path / "again")  # the same files again: unchanged, still nothing
    compute(ctx(store), "2025-11", actor="hr")
    assert calls == []
    changed = inputs.COMPLAINTS.replace("installer,2025", "customer_unreasonable,2025")
    load(store, tmp_path / "fix", {"complaints": changed})
    november, _ = compute(ctx(store), "2025-11", actor="hr")
    assert calls == ["2025-10"]
    assert november.lines.filter(pl.col("kind") == "adjustment").height == 3


def test_a_manual_adjustment_names_a_known_installer(store: Store, tmp_path: Path) -> None:
    from scoring.errors import NotFoundError

    load(store, tmp_path / "in")
    with pytest.raises(NotFoundError, match="I404"), store.begin() as conn:
        store_adjustments.add_manual(
            conn, period="2025-10", installer_id="I404", amount_fen=100, reason="x", author="hr"
        )


@pytest.mark.parametrize("spelling", ["2025-1", "2025-13", "+202-01", "9999-12", "2025/10"])
def test_a_period_has_one_spelling(store: Store, tmp_path: Path, spelling: str) -> None:
    from scoring.errors import InputError
    from scoring.periods import parse_period

    with pytest.raises(InputError, match="YYYY-MM|2000-2099"):
        parse_period(spelling)
    load(store, tmp_path / "in")
    with pytest.raises(InputError, match="YYYY-MM|2000-2099"), store.begin() as conn:
        store_adjustments.add_manual(
            conn, period=spelling, installer_id="I1", amount_fen=100, reason="x", author="hr"
        )


@pytest.mark.parametrize("typed", ["２０２５-１０", " 2025-10 ", "2025-10\n"])
def test_a_period_typed_with_full_width_digits_or_spaces_is_that_period(typed: str) -> None:
    from scoring.period import Period
    from scoring.period_names import check_period

    assert Period.parse(typed) == Period(2025, 10)
    assert check_period(typed) == "2025-10"
    assert str(Period.parse(typed)) == "2025-10"


def test_period_arithmetic_keeps_four_digit_years() -> None:
    from scoring.periods import next_period, previous_period

    assert previous_period("2025-01") == "2024-12"
    assert next_period("2025-12") == "2026-01"
    assert previous_period("2010-01") == "2009-12"
    from scoring.errors import InputError

    with pytest.raises(InputError, match="2000-2099"):
        previous_period("2000-01")  # no payroll before 2000: the range is closed


def test_a_manual_adjustment_added_during_a_close_is_not_lost(store: Store, tmp_path: Path) -> None:
    from scoring.periods import plan_for

    load(store, tmp_path / "in")
    # The close computed its result before HR added an adjustment in another process…
    result, _ = compute(ctx(store), "2025-10", actor="hr", record=False, persist_plan=True)
    with store.begin() as conn:
        store_adjustments.add_manual(
            conn, period="2025-10", installer_id="I2", amount_fen=50000, reason="补发", author="hr"
        )
    # …so freezing that result is refused, and a new close pays the adjustment.
    with pytest.raises(PeriodError, match="close it again"):
        store_periods.save_closed(
            store, result, actor="hr", plan=plan_for(store, "2025-10", actor="hr")
        )
    closed = close(ctx(store), "2025-10", actor="hr")
    assert closed.lines.filter(pl.col("kind") == "manual").get_column("amount_fen").to_list() == [
        50000
    ]


def test_no_plan_is_used_before_its_effective_date(store: Store, tmp_path: Path) -> None:
    from scoring.errors import PlanError

    load(store, tmp_path / "in")
    with pytest.raises(PlanError, match="2025-01-01") as refused:
        compute(ctx(store), "2024-12", actor="hr")
    # Read on a page too: what to do is said in words, not as a command to type.
    assert "「方案」页" in str(refused.value) and "Plans page" in str(refused.value)
    assert "`" not in str(refused.value) and "scoring plan" not in str(refused.value)
    assert store.read_frame("SELECT COUNT(*) AS n FROM plans").item() == 0


def test_closing_out_of_order_with_a_carry_still_pays_the_carry(
    store: Store, tmp_path: Path
) -> None:
    activate_carrying_plan(store, tmp_path)
    load(store, tmp_path / "in")
    close(ctx(store), "2025-11", actor="hr")  # closed first, while October was open…
    close(ctx(store), "2025-10", actor="hr")  # …so October's carry was not in it
    december, _ = compute(ctx(store), "2025-12", actor="hr")
    adjustments = december.lines.filter(pl.col("kind") == "adjustment")
    assert by_rule(adjustments, "I3") == {"carried_deduction": -6500, "statutory_cap": 5000}
    assert set(adjustments.get_column("corrects_period")) == {"2025-11"}


def test_simulating_a_closed_period_with_its_own_plan_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    plan = activate_carrying_plan(store, tmp_path)
    load(store, tmp_path / "in")
    close(ctx(store), "2025-10", actor="hr")
    close(ctx(store), "2025-11", actor="hr")  # carries October's excess in
    comparison = simulate(ctx(store), "2025-11", plan, actor="ops")
    assert comparison.total_draft_fen == comparison.total_now_fen
    assert comparison.per_installer.get_column("change_fen").to_list() == [0] * len(
        comparison.per_installer
    )


def closing_elsewhere_while_it_runs(store: Store) -> Context:
    """A Context whose computation ends after another one has closed 2025-10."""
    mine = ctx(store)
    computed = mine.run

    def run_then_close(*args: Any, **kwargs: Any) -> Result:
        result = computed(*args, **kwargs)
        close(ctx(store), "2025-10", actor="hr-other")
        return result

    mine.run = run_then_close  # type: ignore[method-assign]
    return mine


def test_a_draft_of_a_period_closed_while_it_was_computed_is_void(
    store: Store, tmp_path: Path
) -> None:
    load(store, tmp_path / "in")
    mine = closing_elsewhere_while_it_runs(store)
    with pytest.raises(PeriodError, match="closed while this draft was computed"):
        compute(mine, "2025-10", actor="hr")
    computes = store.read_frame(
        "SELECT actor FROM audit_log WHERE action = 'compute' AND target = '2025-10'"
    )
    assert "hr" not in computes.get_column("actor").to_list()  # not recorded as computed


def test_an_export_of_a_period_closed_while_its_draft_was_computed_is_the_frozen_one(
    store: Store, tmp_path: Path
) -> None:
    load(store, tmp_path / "in")
    got = result_for_export(closing_elsewhere_while_it_runs(store), "2025-10", actor="hr")
    frozen = store_periods.load_closed(store, "2025-10")
    assert got.draft is False and got.about["status"] == "CLOSED"
    assert got.lines.equals(frozen.lines)


def test_a_close_releases_its_context(store: Store, tmp_path: Path) -> None:
    """The inputs are let go before the frozen result is written (the peak of a national
    close otherwise); the spent context refuses to compute again instead of computing from
    nothing."""
    load(store, tmp_path / "in")
    context = ctx(store)
    assert context.frames
    close(context, "2025-10", actor="hr")
    assert not context.frames
    with pytest.raises(RuntimeError, match="released"):
        context.run("2025-11", None)  # type: ignore[arg-type]
