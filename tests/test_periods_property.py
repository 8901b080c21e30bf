"""Property: whatever is imported, corrected and closed in whatever order, what was paid over all
periods (the closed ones and the open period after them) equals what every period pays when
recomputed on the final data, with or without deductions carried forward above a cap."""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scoring.caps import carried_out
from scoring.importer import import_paths
from scoring.periods import (
    Context,
    close,
    compute,
    next_period,
    plan_for,
    plan_from_stored,
    store_plan_file,
)
from scoring.pipeline import run
from scoring.rules.load import standard_plan_path
from scoring.store import Store, open_store
from scoring.store import periods as store_periods
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
VERDICTS = ["installer", "customer_unreasonable", "product", "logistics", "shared", "undetermined"]
SHARES = ["I1:0.6;I2:0.4", "I1;I2", "I1", "I2:0.25;I1:0.75"]

verdict = st.tuples(st.just("verdict"), st.sampled_from(VERDICTS))
late_survey = st.tuples(
    st.just("survey"),
    st.tuples(st.sampled_from(["J1", "J2"]), st.integers(12, 30), st.integers(1, 5)),
)
score = st.tuples(st.just("score"), st.integers(1, 5))
shares = st.tuples(st.just("shares"), st.sampled_from(SHARES))
closing = st.tuples(st.just("close"), st.none())
operations = st.lists(st.one_of(verdict, late_survey, score, shares, closing), max_size=7)


def _import(store: Store, folder: Path, files: dict[str, str]) -> None:
    import_paths(
        store, [inputs.write(folder, files)], actor="hr", zone=ZONE, rejects_dir=folder / "rej"
    )


def _apply(store: Store, tmp: Path, step: int, op: tuple[str, object]) -> None:
    kind, arg = op
    folder = tmp / f"step{step}"
    if kind == "verdict":
        text = inputs.COMPLAINTS.replace(",installer,", f",{arg},")
        _import(store, folder, {"complaints": text})
    elif kind == "survey":
        job, day, overall = arg  # type: ignore[misc]
        text = (
            "survey_id,job_id,surveyed_at,overall\n"
            f"L{step},{job},2025-10-{day:02d}T10:00:00,{overall}\n"
        )
        _import(store, folder, {"surveys": text})
    elif kind == "score":
        text = inputs.SURVEYS.replace(
            "S1,J1,2025-10-12T10:00:00,phone,5,", f"S1,J1,2025-10-12T10:00:00,phone,{arg},"
        )
        _import(store, folder, {"surveys": text})
    elif kind == "shares":
        text = inputs.JOBS.replace("J1,I1:0.6;I2:0.4,", f"J1,{arg},")
        _import(store, folder, {"jobs": text})


def _totals(lines: pl.DataFrame) -> dict[str, int]:
    grouped = lines.group_by("installer_id").agg(pl.col("amount_fen").sum())
    return {i: int(a) for i, a in grouped.iter_rows() if a != 0}


def carrying_plan(folder: Path) -> Path:
    """The standard plan with tiny caps that carry the excess forward, so carries happen."""
    text = standard_plan_path().read_text(encoding="utf-8")
    text = text.replace("above_cap: waive", "above_cap: carry_forward")
    text = text.replace('percent_of_base_wage: "20"', 'percent_of_base_wage: "0.5"')
    text = text.replace('limit: {fixed: "1000.00"}', 'limit: {fixed: "3.00"}')
    path = folder / "carrying.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def recompute_all(ctx: Context, periods: list[str], store: Store) -> list[pl.DataFrame]:
    """Every period recomputed on the final data, in order, each with the carry of the one
    before it as recomputed."""
    out: list[pl.DataFrame] = []
    carry: pl.DataFrame | None = None
    for period in periods:
        plan = plan_from_stored(plan_for(store, period, actor="hr", persist=False))
        lines = run(
            period, plan, ctx.frames, calendar=ctx.calendar, zone=ZONE, carried_in=carry
        ).lines
        out.append(lines)
        carry = carried_out(plan, lines)
    return out


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@example([("close", None), ("verdict", "customer_unreasonable")], True)
@example([("close", None), ("close", None), ("verdict", "shared"), ("score", 1)], True)
@given(operations, st.booleans())
def test_paid_over_all_periods_equals_recomputed_on_final_data(
    ops: list[tuple[str, object]], carry: bool
) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        with open_store(f"sqlite:///{tmp / 'p.db'}") as store:
            if carry:
                store_plan_file(store, carrying_plan(tmp), actor="ops", activate=True)
            _import(store, tmp / "base", inputs.ALL)
            next_open = "2025-10"
            for step, op in enumerate(ops):
                if op[0] == "close":
                    close(Context.load(store, zone=ZONE), next_open, actor="hr")
                    next_open = next_period(next_open)
                else:
                    _apply(store, tmp, step, op)
            ctx = Context.load(store, zone=ZONE)
            draft, _ = compute(ctx, next_open, actor="hr", record=False)
            paid_parts = [draft.lines]
            with store.begin() as conn:
                closed = [row.period for row in store_periods.closed_periods(conn)]
            for period in closed:
                paid_parts.append(store_periods.load_closed(store, period).lines)
            due_parts = recompute_all(ctx, [*closed, next_open], store)
            paid = _totals(pl.concat(paid_parts))
            due = _totals(pl.concat(due_parts)) if due_parts else {}
            assert paid == due
